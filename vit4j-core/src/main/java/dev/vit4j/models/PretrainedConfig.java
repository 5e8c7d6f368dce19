package dev.vit4j.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.image.DataConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One of timm's pretrained weights for an architecture ({@code deit_tiny_patch16_224.fb_in1k}): where it lies on the
 * Hugging Face Hub, its classes (and whether its head is a classifier or, for CLIP's image-text weights, the
 * projection into the joint space) and its data config. The tables are generated from timm's own source by
 * {@code tools/timm_pretrained_configs.py}, one resource per family file.
 */
public record PretrainedConfig(
        String architecture,
        String tag,
        String hubId,
        String hubFilename,
        int numClasses,
        String head,
        String labelSet,
        String license,
        DataConfig dataConfig) {

    /** timm's name, {@code architecture.tag}. */
    public String name() {
        return architecture + "." + tag;
    }

    /** Architecture → its tags, the default (timm's {@code pretrained=True}) first. */
    static Map<String, List<PretrainedConfig>> readTable(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("pretrained table missing from the jar: " + resource);
            }
            Map<String, List<PretrainedConfig>> out = new LinkedHashMap<>();
            JsonNode archs = Configs.JSON.readTree(in).get("architectures");
            archs.fields().forEachRemaining(e -> {
                String arch = e.getKey();
                String defaultTag = e.getValue().get("default_tag").asText();
                List<PretrainedConfig> tags = new ArrayList<>();
                for (JsonNode t : e.getValue().get("tags")) {
                    PretrainedConfig p = new PretrainedConfig(
                            arch,
                            t.get("tag").asText(),
                            t.get("hf_hub_id").asText(),
                            t.path("hf_hub_filename").isTextual()
                                    ? t.get("hf_hub_filename").asText()
                                    : null,
                            t.get("num_classes").asInt(),
                            t.path("head").asText(ModelConfig.CLASSIFIER),
                            t.path("label_set").isTextual() ? t.get("label_set").asText() : null,
                            t.path("license").isTextual() ? t.get("license").asText() : null,
                            Configs.JSON.convertValue(t.get("data_config"), DataConfig.class));
                    tags.add(p.tag.equals(defaultTag) ? 0 : tags.size(), p);
                }
                out.put(arch, List.copyOf(tags));
            });
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("unreadable pretrained table " + resource, e);
        }
    }
}
