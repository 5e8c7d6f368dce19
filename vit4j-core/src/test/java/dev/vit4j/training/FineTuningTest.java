package dev.vit4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.weights.SafeTensors;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Starting from pretrained weights: timm's reset_classifier, resampled positions, layer-wise lr decay. */
class FineTuningTest {
    @Test
    void aNewHeadIsKeptAndEverythingElseLoads() {
        ModelConfig c = Configs.read(Fixtures.path("vit_micro/config.json"));
        c.numClasses = 3;
        c.imgSize = new int[] {48, 48}; // 6 × 6 patches where the weights have 4 × 4: positions resampled
        try (LoadedModel m = LoadedModel.initialized(c, 1)) {
            float[] freshHead =
                    m.model().namedParameters().get("head.weight").array().toFloatArray();
            WeightLoader.load(m.model(), Fixtures.path("formats/vit_micro.pth"), m.manager(), true);
            assertArrayEquals(
                    freshHead,
                    m.model().namedParameters().get("head.weight").array().toFloatArray());
            try (SafeTensors st = SafeTensors.open(Fixtures.path("vit_micro/model.safetensors"))) {
                assertArrayEquals(
                        st.floats("blocks.2.mlp.fc2.weight"),
                        m.model()
                                .namedParameters()
                                .get("blocks.2.mlp.fc2.weight")
                                .array()
                                .toFloatArray());
            }
            assertEquals(
                    1 + 36, m.model().namedParameters().get("pos_embed").shape().get(1));
            // Without newHead, the head of another size is an error that names it.
            Vit4jException e = assertThrows(
                    Vit4jException.class,
                    () -> WeightLoader.load(m.model(), Fixtures.path("formats/vit_micro.pth"), m.manager()));
            assertTrue(e.getMessage().contains("head.weight"), e.getMessage());
        }
    }

    @Test
    void layerDecayFollowsTimmsGroups() {
        ModelConfig vit = ModelRegistry.defaults().config("deit_tiny_patch16_224");
        Map<String, Double> s = LayerDecay.scales(ModelRegistry.build(vit), 0.75);
        assertEquals(Math.pow(0.75, 13), s.get("patch_embed.proj.weight"), 1e-12);
        assertEquals(Math.pow(0.75, 13), s.get("cls_token"), 1e-12);
        assertEquals(Math.pow(0.75, 12), s.get("blocks.0.attn.qkv.weight"), 1e-12);
        assertEquals(0.75, s.get("blocks.11.mlp.fc2.bias"), 1e-12);
        assertEquals(
                0.75, s.get("norm.weight"), 1e-12, "the final norm joins the last block, as timm's MATCH_PREV_GROUP");
        assertEquals(1.0, s.get("head.weight"), 1e-12);

        ModelConfig cait = ModelRegistry.defaults().config("cait_xxs24_224");
        Map<String, Double> t = LayerDecay.scales(ModelRegistry.build(cait), 0.5);
        assertEquals(Math.pow(0.5, 25), t.get("pos_embed"), 1e-15);
        assertEquals(Math.pow(0.5, 2), t.get("blocks_token_only.0.norm1.weight"), 1e-15, "overlaps blocks.22");
        assertEquals(Math.pow(0.5, 2), t.get("blocks.22.norm1.weight"), 1e-15);
        assertEquals(0.5, t.get("norm.weight"), 1e-15);
        assertEquals(1.0, t.get("head.bias"), 1e-15);
    }
}
