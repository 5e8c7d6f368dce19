package dev.vit4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.vit4j.nn.Initializer;
import dev.vit4j.nn.Module;
import dev.vit4j.nn.Parameter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One and two steps of each optimizer against values worked out by hand (p = [1, −2], g = [0.5, −1]). */
class OptimizerTest {
    /** A 1 × 2 weight (decays) and a 2-vector bias (does not). */
    static final class Toy extends Module {
        final Parameter w = parameter("w", new Shape(1, 2), Initializer.ZEROS);
        final Parameter b = parameter("b", new Shape(2), Initializer.ZEROS);
    }

    private static float[][] run(Optimizer opt, int steps, double lr) {
        try (NDManager m = dev.vit4j.inference.Engine.newManager()) {
            Toy toy = new Toy();
            toy.w.set(m.create(new float[] {1, -2}, new Shape(1, 2)));
            toy.b.set(m.create(new float[] {1, -2}, new Shape(2)));
            Map<String, Parameter> params = toy.namedParameters();
            params.values().forEach(p -> p.array().setRequiresGradient(true));
            NDArray coeff = m.create(new float[] {0.5f, -1f});
            for (int s = 0; s < steps; s++) {
                try (NDManager step = m.newSubManager();
                        GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray loss = toy.w
                            .array()
                            .reshape(2)
                            .mul(coeff)
                            .sum()
                            .add(toy.b.array().mul(coeff).sum());
                    gc.backward(loss);
                }
                // step() leaves the gradients zeroed: were they not, the second step's would double.
                opt.step(params, lr);
            }
            return new float[][] {toy.w.array().toFloatArray(), toy.b.array().toFloatArray()};
        }
    }

    @Test
    void adamWStepsMatchHandValues() {
        float[][] one = run(new AdamW(0.9, 0.999, 1e-8, 0.01), 1, 0.1);
        // m̂ = g, v̂ = g², so the Adam direction is sign(g); decay shrinks the matrix only.
        assertArrayEquals(new float[] {0.899f, -1.898f}, one[0], 1e-6f);
        assertArrayEquals(new float[] {0.9f, -1.9f}, one[1], 1e-6f);
        float[][] two = run(new AdamW(0.9, 0.999, 1e-8, 0.01), 2, 0.1);
        assertArrayEquals(new float[] {0.798101f, -1.796102f}, two[0], 1e-6f);
        assertArrayEquals(new float[] {0.8f, -1.8f}, two[1], 1e-6f);
    }

    @Test
    void lambStepMatchesHandValues() {
        float[][] one = run(new Lamb(0.9, 0.999, 1e-6, 0.01), 1, 0.1);
        // u = [0.5/(0.5+1e-6), −1/(1+1e-6)] + 0.01·p; trust = ‖p‖/‖u‖ = √5 / 1.4354419.
        double u0 = 0.5 / (0.5 + 1e-6) + 0.01;
        double u1 = -1 / (1 + 1e-6) - 0.02;
        double trust = Math.sqrt(5) / Math.hypot(u0, u1);
        assertEquals(1.5577556, trust, 1e-6);
        assertArrayEquals(new float[] {(float) (1 - 0.1 * trust * u0), (float) (-2 - 0.1 * trust * u1)}, one[0], 1e-6f);
        assertArrayEquals(new float[] {0.842667f, -1.841109f}, one[0], 1e-5f);
        // The bias does not decay, so no trust ratio: a plain bias-corrected Adam step.
        assertArrayEquals(
                new float[] {(float) (1 - 0.1 * 0.5 / (0.5 + 1e-6)), (float) (-2 + 0.1 / (1 + 1e-6))}, one[1], 1e-6f);
    }

    @Test
    void sgdMomentumStepsMatchHandValues() {
        float[][] two = run(new Sgd(0.9, 0.01), 2, 0.1);
        assertArrayEquals(new float[] {0.852151f, -1.704302f}, two[0], 1e-6f);
        // bias: no decay; b = g, then 0.9·g + g; p = p − 0.1·g − 0.19·g.
        assertArrayEquals(new float[] {1 - 0.29f * 0.5f, -2 + 0.29f}, two[1], 1e-6f);
    }

    @Test
    void stateRoundTripsThroughSaveAndLoad() {
        try (NDManager m = dev.vit4j.inference.Engine.newManager()) {
            Toy toy = new Toy();
            toy.initialize(m, 1);
            AdamW a = new AdamW(0.9, 0.999, 1e-8, 0.01);
            var saved = a.saveState();
            AdamW b = new AdamW(0.9, 0.999, 1e-8, 0.01);
            b.loadState(saved, toy.namedParameters());
            assertEquals(a.steps(), b.steps());
        }
    }
}
