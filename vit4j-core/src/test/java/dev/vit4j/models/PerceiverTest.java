package dev.vit4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.ModelRunner;
import dev.vit4j.inference.OnnxEngine;
import dev.vit4j.models.perceiver.CrossAttentionBlock;
import dev.vit4j.models.perceiver.FourierFeatures;
import dev.vit4j.models.perceiver.Perceiver;
import dev.vit4j.models.perceiver.PerceiverOptions;
import dev.vit4j.nn.CrossAttention;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Parameter;
import dev.vit4j.training.Losses;
import dev.vit4j.training.Optimizer;
import dev.vit4j.training.TrainConfig;
import dev.vit4j.training.TrainStep;
import dev.vit4j.weights.FloatTensor;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Perceiver: shapes through every module, shared weights, Fourier features, export parity, overfitting. */
class PerceiverTest {
    static ModelConfig tiny(int patch, String positions, boolean shared) {
        ModelConfig c = new ModelConfig();
        c.arch = "perceiver";
        c.name = "tiny_perceiver";
        c.imgSize = new int[] {8, 12};
        c.inChans = 2;
        c.numClasses = 3;
        c.patchSize = patch;
        c.embedDim = 16;
        c.numHeads = 2;
        c.depth = 2;
        c.mlpRatio = 2;
        c.posEmbed = positions;
        c.withOptions(new PerceiverOptions(5, 3, 2, shared, 3, null));
        c.globalPool = "avg";
        return c;
    }

    static float[] input(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void shapesThroughEveryModule() {
        try (NDManager m = dev.vit4j.inference.Engine.newManager()) {
            NDArray latent = m.randomNormal(new Shape(3, 5, 16));
            NDArray data = m.randomNormal(new Shape(3, 40, 16));
            CrossAttention attn = new CrossAttention(16, 4, 0, 0);
            attn.initialize(m, 1);
            assertEquals(
                    new Shape(3, 5, 16),
                    attn.forward(latent, data, "x", ForwardContext.inference()).getShape());
            CrossAttentionBlock block = new CrossAttentionBlock(16, 1, 32, 1e-6, 0, 0);
            block.initialize(m, 2);
            assertEquals(
                    new Shape(3, 5, 16),
                    block.forward(latent, block.keysValues(data), "x", ForwardContext.training())
                            .getShape());
        }
        for (int patch : new int[] {1, 2, 4}) {
            for (String positions : new String[] {"learned", "fourier"}) {
                ModelConfig c = tiny(patch, positions, true);
                try (LoadedModel model = LoadedModel.initialized(c, 3)) {
                    int n = 2 * 2 * 8 * 12;
                    ModelOutputs out =
                            ModelRunner.run(model.model(), model.manager(), input(n, 1), new Shape(2, 2, 8, 12), true);
                    assertEquals(2, out.logits().length);
                    assertEquals(3, out.logits()[0].length);
                    assertEquals(16, out.preLogits()[0].length);
                    int elements = (8 / patch) * (12 / patch);
                    for (int k = 0; k < 3; k++) {
                        FloatTensor a = out.attention().get(Perceiver.crossAttentionKey(k));
                        assertArrayEquals(
                                new long[] {2, 2, 5, elements}, a.shape(), "batch × heads × latents × inputs");
                        for (int row = 0; row < 2 * 2 * 5; row++) {
                            double sum = 0;
                            for (int i = 0; i < elements; i++) {
                                sum += a.data()[row * elements + i];
                            }
                            assertEquals(1.0, sum, 1e-5);
                        }
                        assertArrayEquals(
                                new long[] {2, 2, 5, 5},
                                out.attention()
                                        .get("attention.latent_blocks.1.iteration_" + k)
                                        .shape());
                    }
                }
            }
        }
    }

    @Test
    void sharedWeightsAreOneParameterSetWhoseGradientsSumOverIterations() {
        ModelConfig shared = tiny(2, "learned", true);
        ModelConfig unshared = tiny(2, "learned", false);
        try (LoadedModel a = LoadedModel.initialized(shared, 5);
                LoadedModel b = LoadedModel.initialized(unshared, 5)) {
            Perceiver pa = (Perceiver) a.model();
            assertSame(pa.iterationModules(0).get(0), pa.iterationModules(2).get(0));
            assertTrue(a.model().namedParameters().keySet().stream().noneMatch(k -> k.contains("_rest")));
            Map<String, Parameter> pb = b.model().namedParameters();
            assertTrue(pb.containsKey("cross_attention_rest.attn.q.weight"));
            // Same values in both sets of the unshared model: then it computes exactly what the shared one does.
            for (Map.Entry<String, Parameter> e : pb.entrySet()) {
                String own = e.getKey()
                        .replace("cross_attention_rest", "cross_attention")
                        .replace("latent_blocks_rest", "latent_blocks");
                e.getValue()
                        .array()
                        .set(a.model().namedParameters().get(own).array().toFloatArray());
            }
            float[] x = input(2 * 2 * 8 * 12, 9);
            Map<String, float[]> ga = gradients(a, x);
            Map<String, float[]> gb = gradients(b, x);
            for (String name : new String[] {"cross_attention.attn.q.weight", "latent_blocks.0.mlp.fc1.weight"}) {
                float[] total = ga.get(name);
                float[] firstOnly = gb.get(name);
                float[] later = gb.get(name.replace("cross_attention", "cross_attention_rest")
                        .replace("latent_blocks", "latent_blocks_rest"));
                double diff = 0;
                double size = 0;
                for (int i = 0; i < total.length; i++) {
                    diff = Math.max(diff, Math.abs(total[i] - (firstOnly[i] + later[i])));
                    size = Math.max(size, Math.abs(later[i]));
                }
                assertTrue(size > 1e-6, "later iterations contribute to " + name);
                assertTrue(diff < 1e-5, name + ": shared gradient is the sum over iterations (max diff " + diff + ")");
            }
        }
    }

    private static Map<String, float[]> gradients(LoadedModel model, float[] x) {
        Map<String, Parameter> params = model.model().namedParameters();
        params.values().forEach(p -> p.array().setRequiresGradient(true));
        try (NDManager step = model.manager().newSubManager();
                GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray out = model.model().forward(step.create(x, new Shape(2, 2, 8, 12)), ForwardContext.inference());
            gc.backward(Losses.crossEntropy(out, new int[] {0, 2}, 0));
            Map<String, float[]> g = new java.util.HashMap<>();
            params.forEach((k, p) -> g.put(k, p.array().getGradient().toFloatArray()));
            return g;
        }
    }

    @Test
    void fourierFeaturesFollowThePapersFormula() {
        // A 4 × 3 grid, 2 bands, μ = (4, 6): positions linspace(−1, 1) per axis; bands linspace(1, μ/2).
        float[] t = FourierFeatures.table(4, 3, 2, new int[] {4, 6});
        assertEquals(10, FourierFeatures.size(2));
        int width = 10;
        int row = 1;
        int col = 2;
        double y = -1.0 / 3;
        double x = 1.0;
        double s3 = Math.sqrt(3) / 2;
        // [y, x, sin(π·1·y), sin(π·2·y), sin(π·1·x), sin(π·3·x), cos(π·1·y), cos(π·2·y), cos(π·1·x), cos(π·3·x)]
        double[] expected = {y, x, -s3, -s3, 0, 0, 0.5, -0.5, -1, -1};
        for (int i = 0; i < width; i++) {
            assertEquals(expected[i], t[(row * 3 + col) * width + i], 1e-6, "feature " + i);
        }
    }

    @Test
    void exportedGraphMatchesTheDjlModel() {
        for (boolean shared : new boolean[] {true, false}) {
            ModelConfig c = tiny(2, shared ? "fourier" : "learned", shared);
            try (LoadedModel m = LoadedModel.initialized(c, 11);
                    OnnxEngine onnx = new OnnxEngine(m, 1)) {
                float[] x = input(3 * 2 * 8 * 12, 4);
                Shape s = new Shape(3, 2, 8, 12);
                ModelOutputs a = onnx.run(x, s.getShape(), true);
                ModelOutputs b = ModelRunner.run(m.model(), m.manager(), x, s, true);
                assertTrue(Fixtures.maxAbsDiff(Fixtures.flatten(a.logits()), Fixtures.flatten(b.logits())) < 1e-4);
                ModelOutputs fused =
                        onnx.run(x, s.getShape(), false); // ONNX Runtime's Attention kernel in the latent blocks
                assertTrue(Fixtures.maxAbsDiff(Fixtures.flatten(fused.logits()), Fixtures.flatten(b.logits())) < 1e-4);
                assertEquals(b.attention().keySet(), a.attention().keySet());
                for (String k : b.attention().keySet()) {
                    assertTrue(
                            Fixtures.maxAbsDiff(
                                            a.attention().get(k).data(),
                                            b.attention().get(k).data())
                                    < 1e-4,
                            k);
                }
            }
        }
    }

    @Test
    void aTinyPerceiverOverfitsATinySet() {
        ModelConfig c = tiny(2, "learned", true);
        c.withOptions(PerceiverOptions.of(c).withLatents(5, 2, 2));
        float[] x = input(12 * 2 * 8 * 12, 21);
        int[] y = new int[12];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 3;
        }
        TrainConfig t = new TrainConfig();
        t.labelSmoothing = 0;
        t.weightDecay = 0;
        try (LoadedModel m = LoadedModel.initialized(c, 2)) {
            TrainStep step = new TrainStep(m, Optimizer.create("adamw", 0, 0.9), t);
            float first = step.run(x, y, 3e-3).loss();
            TrainStep.Result last = null;
            for (int i = 0; i < 150; i++) {
                last = step.run(x, y, 3e-3);
            }
            assertTrue(last.loss() < 0.05 * first, "loss " + first + " → " + last.loss());
            for (int i = 0; i < y.length; i++) {
                int best = 0;
                for (int k = 1; k < 3; k++) {
                    if (last.logits()[i * 3 + k] > last.logits()[i * 3 + best]) {
                        best = k;
                    }
                }
                assertEquals(y[i], best, "example " + i);
            }
        }
    }

    @Test
    void registryAndValidation() {
        ModelConfig cifar = ModelRegistry.defaults().config("perceiver_cifar");
        assertEquals(1024, cifar.gridHeight() * cifar.gridWidth());
        assertEquals(256, PerceiverOptions.of(cifar).numLatents());
        assertTrue(ModelRegistry.defaults().entries().containsKey("perceiver_tiny"));
        ModelConfig bad = tiny(2, "learned", true);
        bad.withOptions(PerceiverOptions.of(bad).withLatents(5, 3, 3));
        assertThrows(Vit4jException.class, bad::validate);
        ModelConfig pos = tiny(2, "sinusoid", true);
        assertThrows(Vit4jException.class, pos::validate);
        assertFalse(
                ModelRegistry.build(tiny(2, "fourier", true)).namedParameters().containsKey("pos_embed"));
    }
}
