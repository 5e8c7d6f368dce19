package dev.vit4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Engine;
import dev.vit4j.models.cait.ClassAttention;
import dev.vit4j.models.cait.TalkingHeadsAttention;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LayersTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engine.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static NDArray random(long... shape) {
        return manager.randomNormal(new Shape(shape));
    }

    private static NDArray set(Parameter p, NDArray v) {
        p.set(v);
        return v;
    }

    /** The from-scratch ViT tutorial (Habr, "Vision Transformer"): unfold + linear on a 1-channel 60×100 image with P=20 gives 15 tokens, the same as the convolution. */
    @Test
    void unfoldPatchEmbedEqualsConvolution() {
        PatchEmbed conv = new PatchEmbed(1, 20, 32);
        conv.initialize(manager, 1);
        UnfoldPatchEmbed unfold = new UnfoldPatchEmbed(1, 20, 32);
        var p = unfold.namedParameters();
        set(
                p.get("project.weight"),
                conv.namedParameters().get("proj.weight").array().reshape(32, 400));
        set(
                p.get("project.bias"),
                conv.namedParameters().get("proj.bias").array().duplicate());
        NDArray x = random(2, 1, 60, 100);
        NDArray a = conv.forward(x);
        NDArray b = unfold.forward(x);
        assertEquals(new Shape(2, 15, 32), a.getShape());
        assertTrue(a.sub(b).abs().max().getFloat() < 1e-5f);
    }

    @Test
    void patchSizeMustDivideTheImage() {
        PatchEmbed conv = new PatchEmbed(3, 16, 8);
        conv.initialize(manager, 1);
        Vit4jException e = assertThrows(Vit4jException.class, () -> conv.forward(random(1, 3, 50, 64)));
        assertTrue(e.getMessage().contains("not divisible by the patch size 16"), e.getMessage());
    }

    @Test
    void sinusoidTableMatchesTheFromScratchTutorial() {
        float[] want = Fixtures.tensor("sinusoid_176x768.safetensors", "table");
        float[] got = SinusoidalPositionEncoding.table(176, 768);
        assertTrue(Fixtures.maxAbsDiff(want, got) < 1e-6);
    }

    @Test
    void dropPathIsIdentityAtInferenceAndDropsWholeSamplesWhenTraining() {
        NDArray x = manager.ones(new Shape(2000, 3, 4));
        assertEquals(x, DropPath.apply(x, 0.3f, ForwardContext.inference()));
        float[] y = DropPath.apply(x, 0.25f, ForwardContext.training()).toFloatArray();
        int kept = 0;
        for (int s = 0; s < 2000; s++) {
            float first = y[s * 12];
            for (int i = 1; i < 12; i++) {
                assertEquals(first, y[s * 12 + i], "a sample is dropped or kept whole");
            }
            assertTrue(first == 0f || Math.abs(first - 1f / 0.75f) < 1e-6, "kept samples are scaled by 1/keep");
            kept += first == 0f ? 0 : 1;
        }
        assertTrue(kept > 1350 && kept < 1650, "about 75% kept, got " + kept);
    }

    @Test
    void layerScaleMultipliesPerChannel() {
        LayerScale ls = new LayerScale(3, 0.5);
        ls.initialize(manager, 0);
        float[] out = ls.forward(manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3)))
                .toFloatArray();
        assertEquals(3f, out[5], 1e-6f);
        assertEquals(0.5f, out[0], 1e-6f);
    }

    @Test
    void mlpUsesTheExactErfGelu() {
        Mlp mlp = new Mlp(1, 1, 0f);
        var p = mlp.namedParameters();
        set(p.get("fc1.weight"), manager.create(new float[] {1}, new Shape(1, 1)));
        set(p.get("fc1.bias"), manager.create(new float[] {0}, new Shape(1)));
        set(p.get("fc2.weight"), manager.create(new float[] {1}, new Shape(1, 1)));
        set(p.get("fc2.bias"), manager.create(new float[] {0}, new Shape(1)));
        float y = mlp.forward(manager.create(new float[] {-1.5f}, new Shape(1, 1)), ForwardContext.inference())
                .toFloatArray()[0];
        // 0.5·x·(1 + erf(x/√2)) at −1.5 = −0.1002108; the tanh approximation gives −0.1003291.
        assertEquals(-0.1002108, y, 2e-6);
    }

    @Test
    void attentionLayersRecordOnlyWhenAsked() {
        Attention attn = new Attention(8, 2, true, 0f, 0f);
        attn.initialize(manager, 3);
        NDArray x = random(1, 5, 8);
        try (AttentionRecorder recorder = new AttentionRecorder(manager)) {
            NDArray recorded = attn.forward(x, ForwardContext.recording(recorder));
            NDArray plain = attn.forward(x, ForwardContext.inference());
            assertTrue(recorded.sub(plain).abs().max().getFloat() == 0f, "recording does not change the result");
            NDArray a = recorder.tensors().get("attention");
            assertEquals(new Shape(1, 2, 5, 5), a.getShape());
            assertTrue(a.sum(new int[] {-1}).sub(1f).abs().max().getFloat() < 1e-5f, "rows are distributions");
        }
    }

    @Test
    void talkingHeadsMixHeadsAroundTheSoftmax() {
        TalkingHeadsAttention attn = new TalkingHeadsAttention(8, 2, true, 0f, 0f);
        attn.initialize(manager, 4);
        try (AttentionRecorder recorder = new AttentionRecorder(manager)) {
            attn.forward(random(1, 4, 8), ForwardContext.recording(recorder));
            NDArray softmax = recorder.tensors().get("attention_softmax");
            NDArray mixed = recorder.tensors().get("attention");
            assertTrue(softmax.sum(new int[] {-1}).sub(1f).abs().max().getFloat() < 1e-5f);
            assertNotEquals(softmax.toFloatArray()[0], mixed.toFloatArray()[0]);
        }
    }

    @Test
    void classAttentionOnlyTheClassTokenQueries() {
        ClassAttention attn = new ClassAttention(8, 2, true, 0f, 0f);
        attn.initialize(manager, 5);
        try (AttentionRecorder recorder = new AttentionRecorder(manager)) {
            NDArray out = attn.forward(random(3, 7, 8), ForwardContext.recording(recorder));
            assertEquals(new Shape(3, 1, 8), out.getShape());
            assertEquals(
                    new Shape(3, 2, 1, 7), recorder.tensors().get("attention").getShape());
        }
    }
}
