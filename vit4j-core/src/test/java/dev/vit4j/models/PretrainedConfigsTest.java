package dev.vit4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import dev.vit4j.inference.Labels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every timm name in the registry against timm 0.9.16's resolved data config ({@code timm_data_configs.json}):
 * input size, interpolation, crop_pct, crop_mode, mean, std, parameter count and default pretrained tag. A data
 * config that drifts from timm (DeiT's crop_pct was 0.875 here, 0.9 in timm) changes every prediction on photos.
 */
class PretrainedConfigsTest {
    private static final ModelRegistry REGISTRY = ModelRegistry.defaults();

    @Test
    void everyRegisteredTimmNameMatchesTimmsResolvedDataConfig() throws IOException {
        // The seed-era names (../shared/fixtures, byte for byte) and the later backbones (tools/timm_data_configs.py).
        ObjectNode timm = (ObjectNode) new ObjectMapper()
                .readTree(Fixtures.path("timm_data_configs.json").toFile());
        timm.setAll((ObjectNode) new ObjectMapper()
                .readTree(Fixtures.path("timm_data_configs_backbones.json").toFile()));
        Set<String> timmNames = new TreeSet<>();
        timm.fieldNames().forEachRemaining(n -> {
            if (!n.startsWith("_")) {
                timmNames.add(n);
            }
        });
        Set<String> registered = new TreeSet<>(REGISTRY.pretrained().keySet());
        assertEquals(timmNames, registered, "the registry's timm names are the fixtures'");
        assertEquals(35, timmNames.size());
        List<String> wrong = new ArrayList<>();
        for (String name : timmNames) {
            JsonNode want = timm.get(name);
            DataConfig got = REGISTRY.config(name).resolvedDataConfig();
            check(wrong, name, "input_size", ints(want.get("input_size")), got.inputSize());
            check(wrong, name, "interpolation", want.get("interpolation").asText(), got.interpolation());
            check(wrong, name, "crop_pct", want.get("crop_pct").asDouble(), got.cropPct());
            check(wrong, name, "crop_mode", want.get("crop_mode").asText(), got.cropMode());
            check(wrong, name, "mean", doubles(want.get("mean")), got.mean());
            check(wrong, name, "std", doubles(want.get("std")), got.std());
            check(
                    wrong,
                    name,
                    "pretrained_tag",
                    want.get("pretrained_tag").asText(),
                    REGISTRY.pretrained(name).tag());
            check(
                    wrong,
                    name,
                    "num_params",
                    want.get("num_params").asLong(),
                    ModelRegistry.build(REGISTRY.config(name)).parameterCount());
        }
        assertTrue(wrong.isEmpty(), "differs from timm 0.9.16: " + wrong);
    }

    private static void check(List<String> wrong, String name, String field, Object want, Object got) {
        boolean same = want instanceof int[] w
                ? java.util.Arrays.equals(w, (int[]) got)
                : want instanceof double[] w ? java.util.Arrays.equals(w, (double[]) got) : want.equals(got);
        if (!same) {
            wrong.add(name + " " + field + ": timm " + show(want) + ", vit4j " + show(got));
        }
    }

    private static String show(Object o) {
        return o instanceof int[] a
                ? java.util.Arrays.toString(a)
                : o instanceof double[] a ? java.util.Arrays.toString(a) : String.valueOf(o);
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    private static double[] doubles(JsonNode n) {
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asDouble();
        }
        return out;
    }

    @Test
    void tagsCarryTheirHubRepoClassesAndLabels() {
        PretrainedConfig deit = REGISTRY.pretrained("deit_tiny_patch16_224.fb_in1k");
        assertEquals("timm/deit_tiny_patch16_224.fb_in1k", deit.hubId());
        assertEquals(0.9, deit.dataConfig().cropPct());
        PretrainedConfig in21k = REGISTRY.pretrained("vit_base_patch16_224.augreg_in21k");
        assertEquals(21843, in21k.numClasses());
        assertEquals(21843, REGISTRY.config(in21k).numClasses);
        assertEquals("organism, being", Labels.forClasses(21843, null).name(0));
        assertEquals(0, REGISTRY.pretrained("vit_base_patch16_224.mae").numClasses());
        assertArrayEquals(
                DataConfig.IMAGENET_MEAN,
                REGISTRY.pretrained("vit_base_patch16_224.dino").dataConfig().mean());
        assertEquals(
                "augreg2_in21k_ft_in1k",
                REGISTRY.pretrained("vit_base_patch16_224").tag());
        assertEquals("fb_dist_in1k", REGISTRY.pretrained("cait_xxs24_224").tag());
        Vit4jException e = assertThrows(Vit4jException.class, () -> REGISTRY.pretrained("deit_tiny_patch16_224.in22k"));
        assertTrue(e.getMessage().contains("fb_in1k"), e.getMessage());
    }
}
