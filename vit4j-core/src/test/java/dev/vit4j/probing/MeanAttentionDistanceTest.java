package dev.vit4j.probing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.vit4j.Fixtures;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.ModelRunner;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.weights.FloatTensor;
import dev.vit4j.weights.SafeTensors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** MAD per image and head against the fixtures' {@code mad.*} (timm attention, the ViT paper's formula), 1e-4. */
class MeanAttentionDistanceTest {
    @ParameterizedTest
    @ValueSource(strings = {"vit_micro", "cait_micro", "vit_seed_regression"})
    void matchesTheFixtures(String fixture) {
        String input = fixture + "/input.safetensors";
        try (LoadedModel m = LoadedModel.load(
                        Fixtures.path(fixture + "/config.json").toString(),
                        Fixtures.path(fixture + "/model.safetensors"));
                SafeTensors expected = SafeTensors.open(Fixtures.path(fixture + "/expected.safetensors"))) {
            ModelConfig c = m.model().config();
            ModelOutputs out = ModelRunner.run(
                    m.model(), m.manager(), Fixtures.tensor(input, "x"), new Shape(Fixtures.shape(input, "x")), true);
            int batch = out.logits().length;
            double worst = 0;
            int blocks = 0;
            for (int b = 0; b < batch; b++) {
                Map<String, FloatTensor> image = new LinkedHashMap<>();
                for (var e : out.attention().entrySet()) {
                    image.put(e.getKey(), e.getValue().select(b));
                }
                MeanAttentionDistance mad = new MeanAttentionDistance(c.gridHeight(), c.gridWidth(), c.patchSize);
                Map<String, FloatTensor> sources = MeanAttentionDistance.sources(image);
                blocks = sources.size();
                for (var e : sources.entrySet()) {
                    double[] got = mad.perHead(e.getValue());
                    FloatTensor want = new FloatTensor(
                                    expected.info("mad." + e.getKey()).shape(), expected.floats("mad." + e.getKey()))
                            .select(b);
                    for (int h = 0; h < got.length; h++) {
                        worst = Math.max(worst, Math.abs(got[h] - want.data()[h]));
                    }
                }
            }
            assertEquals(c.depth, blocks, "one MAD row per self-attention block");
            System.out.println("[mad] " + fixture + ": max |MAD - fixture| = " + worst);
            assertTrue(worst < 1e-4, fixture + ": " + worst);
        }
    }

    @Test
    void meansAverageOverImages() {
        MeanAttentionDistance mad = new MeanAttentionDistance(1, 2, 10);
        // Two patches, no prefix: head 0 attends to itself, head 1 to the other patch.
        float[] a = {1, 0, 0, 1, 0, 1, 1, 0};
        mad.add(Map.of("attention.blocks.0", new FloatTensor(new long[] {2, 2, 2}, a)));
        float[] b = {0.5f, 0.5f, 0.5f, 0.5f, 0, 1, 1, 0};
        mad.add(Map.of("attention.blocks.0", new FloatTensor(new long[] {2, 2, 2}, b)));
        double[] m = mad.means().get("blocks.0");
        assertEquals(2.5, m[0], 1e-9);
        assertEquals(10, m[1], 1e-9);
        assertEquals(2, mad.images());
    }

    @Test
    void distanceUsesTheRealGrid() {
        double[] d = MeanAttentionDistance.distanceMatrix(2, 3, 16);
        // Token 2 is (row 0, col 2), token 3 is (row 1, col 0).
        assertEquals(16 * Math.hypot(1, 2), d[2 * 6 + 3], 1e-9);
        assertEquals(32, d[0 * 6 + 2], 1e-9);
    }
}
