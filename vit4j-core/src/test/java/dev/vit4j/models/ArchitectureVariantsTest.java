package dev.vit4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.ModelRunner;
import dev.vit4j.models.cait.CaitOptions;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The configuration switches build timm's module names and run on any shape the patch size divides. */
class ArchitectureVariantsTest {
    private static ModelConfig small(String arch) {
        ModelConfig c = new ModelConfig();
        c.arch = arch;
        c.name = "small_" + arch;
        c.imgSize = new int[] {24, 40};
        c.inChans = 2;
        c.patchSize = 8;
        c.embedDim = 16;
        c.depth = 2;
        c.numHeads = 2;
        c.numClasses = 7;
        c.initValues = 0.1;
        return c;
    }

    private static ModelOutputs run(ModelConfig c) {
        try (LoadedModel m = LoadedModel.initialized(c, 1)) {
            float[] x = new float[3 * c.inChans * c.height() * c.width()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 0.37);
            }
            return ModelRunner.run(m.model(), m.manager(), x, new Shape(3, c.inChans, c.height(), c.width()), true);
        }
    }

    @Test
    void vitWithoutClassTokenPoolsByAverageWithFcNorm() {
        ModelConfig c = small("vit");
        c.classToken = false;
        c.globalPool = "avg";
        Set<String> names = ModelRegistry.build(c).namedParameters().keySet();
        assertTrue(names.contains("fc_norm.weight") && !names.contains("norm.weight") && !names.contains("cls_token"));
        assertTrue(names.contains("blocks.1.ls2.gamma"), "LayerScale as timm names it");
        ModelOutputs out = run(c);
        assertEquals(7, out.logits()[0].length);
        assertEquals(
                new Shape(3, 2, 15, 15).getShape()[3],
                out.attention().get("attention.blocks.0").shape()[3]);
    }

    @Test
    void vitFeaturesOnlyAndRegression() {
        ModelConfig c = small("vit");
        c.initValues = null;
        c.numClasses = 0;
        assertFalse(ModelRegistry.build(c).namedParameters().containsKey("head.weight"));
        assertEquals(16, run(c).logits()[0].length, "no head: the logits are the features");
        c.numClasses = 1;
        c.posEmbed = "sinusoidal";
        assertEquals(1, run(c).logits()[0].length);
    }

    @Test
    void caitOnNonSquareInputsWithAveragePooling() {
        ModelConfig c = small("cait");
        c.globalPool = "avg";
        ModelOutputs out = run(c);
        assertEquals(7, out.logits()[0].length);
        assertEquals(
                1 + 15, out.attention().get("attention.blocks_token_only.1").shape()[3]);
        assertEquals(15, out.attention().get("attention_softmax.blocks.1").shape()[3]);
    }

    @Test
    void talkingHeadsCanStartAsPlainMultiHeadAttention() {
        ModelConfig c = small("cait");
        CaitOptions options = CaitOptions.of(c);
        c.withOptions(new CaitOptions(options.depthTokenOnly(), options.mlpRatioTokenOnly(), "identity"));
        try (LoadedModel m = LoadedModel.initialized(c, 5)) {
            float[] w = m.model()
                    .namedParameters()
                    .get("blocks.0.attn.proj_l.weight")
                    .array()
                    .toFloatArray();
            assertEquals(1f, w[0], 0.1f);
            assertEquals(0f, w[1], 0.1f);
            assertEquals(1f, w[3], 0.1f);
        }
        c.withOptions(new CaitOptions(options.depthTokenOnly(), options.mlpRatioTokenOnly(), "zeros"));
        assertThrows(dev.vit4j.Vit4jException.class, c::validate);
    }

    @Test
    void registryEntriesCarryTheirDataConfig() {
        ModelConfig cait = ModelRegistry.defaults().config("cait_m48_448");
        assertEquals(448, cait.resolvedDataConfig().height());
        assertEquals(1e-6, cait.initValues);
        // The element counts of timm's state dicts in shared/anchors.
        assertEquals(
                11_956_264L,
                ModelRegistry.build(ModelRegistry.defaults().config("cait_xxs24_224"))
                        .parameterCount());
        assertEquals(
                5_717_416L,
                ModelRegistry.build(ModelRegistry.defaults().config("deit_tiny_patch16_224"))
                        .parameterCount());
    }
}
