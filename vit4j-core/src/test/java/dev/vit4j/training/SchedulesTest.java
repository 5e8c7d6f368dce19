package dev.vit4j.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.vit4j.inference.Engine;
import org.junit.jupiter.api.Test;

class SchedulesTest {
    @Test
    void warmupThenCosine() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3, 1e-5, 1e-5, 10, 110);
        assertEquals(1e-5 + (1e-3 - 1e-5) * 0.1, s.at(0), 1e-12);
        assertEquals(1e-3, s.at(9), 1e-12);
        assertEquals(1e-3, s.at(10), 1e-12);
        assertEquals((1e-3 + 1e-5) / 2, s.at(60), 1e-12);
        assertEquals(1e-5, s.at(110), 1e-12);
    }

    @Test
    void reduceOnPlateauLikeKeras() {
        ReduceLrOnPlateau p = new ReduceLrOnPlateau(0.5, 2, 1e-4, 0, false);
        assertFalse(p.observe(1.0, 1e-3, 1e-6));
        assertFalse(p.observe(0.9, 1e-3, 1e-6));
        assertFalse(p.observe(0.95, 1e-3, 1e-6));
        assertTrue(p.observe(0.9, 1e-3, 1e-6), "two epochs without improvement");
        assertEquals(0.5, p.scale(), 1e-12);
        assertFalse(p.observe(0.8, 5e-4, 1e-6));
        assertEquals(0.5, p.scale(), 1e-12);
    }

    @Test
    void earlyStoppingCountsPatience() {
        EarlyStopping e = new EarlyStopping(2, 0, true);
        assertFalse(e.observe(1, 0.5));
        assertFalse(e.observe(2, 0.7));
        assertFalse(e.observe(3, 0.6));
        assertTrue(e.observe(4, 0.7), "no improvement over 0.7 for two epochs");
        assertEquals(2, e.bestEpoch());
    }

    @Test
    void labelSmoothedCrossEntropyMatchesHand() {
        try (NDManager m = Engine.newManager()) {
            float[] logits = {2f, 0f, -1f};
            double z = Math.exp(2) + 1 + Math.exp(-1);
            double[] logp = {2 - Math.log(z), -Math.log(z), -1 - Math.log(z)};
            double want = 0.9 * -logp[0] + 0.1 * -(logp[0] + logp[1] + logp[2]) / 3;
            double got = Losses.crossEntropy(m.create(logits).reshape(1, 3), new int[] {0}, 0.1)
                    .getFloat();
            assertEquals(want, got, 1e-6);
            double plain = Losses.crossEntropy(m.create(logits).reshape(1, 3), new int[] {2}, 0)
                    .getFloat();
            assertEquals(-logp[2], plain, 1e-6);
            double mse = Losses.meanSquaredError(m.create(new float[] {1, 3}).reshape(2, 1), new float[] {0, 1})
                    .getFloat();
            assertEquals(2.5, mse, 1e-6);
        }
    }
}
