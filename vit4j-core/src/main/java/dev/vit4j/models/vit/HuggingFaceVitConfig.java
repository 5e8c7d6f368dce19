package dev.vit4j.models.vit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.HuggingFaceImageProcessor;
import dev.vit4j.models.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Hugging Face {@code transformers}' ViT {@code config.json}, read as timm's arguments. */
final class HuggingFaceVitConfig {
    static final String MODEL_TYPE = "vit";

    private HuggingFaceVitConfig() {}

    /** A {@code transformers} {@code ViTConfig} ({@code model_type} "vit") as the equivalent timm ViT. */
    static ModelConfig read(JsonNode hf, Path file) {
        if (!"gelu".equals(hf.path("hidden_act").asText("gelu"))) {
            throw new Vit4jException(
                    "unsupported hidden_act '" + hf.path("hidden_act").asText() + "' in " + file);
        }
        ModelConfig c = new ModelConfig();
        c.arch = VitFamily.ARCH;
        int hidden = hf.path("hidden_size").asInt(768);
        int size = hf.path("image_size").asInt(224);
        c.imgSize = new int[] {size, size};
        c.patchSize = hf.path("patch_size").asInt(16);
        c.inChans = hf.path("num_channels").asInt(3);
        c.embedDim = hidden;
        c.depth = hf.path("num_hidden_layers").asInt(12);
        c.numHeads = hf.path("num_attention_heads").asInt(12);
        c.mlpRatio = (double) hf.path("intermediate_size").asInt(4 * hidden) / hidden;
        c.qkvBias = hf.path("qkv_bias").asBoolean(true);
        c.layerNormEps = hf.path("layer_norm_eps").asDouble(1e-12);
        JsonNode id2label = hf.get("id2label");
        if (id2label != null && id2label.isObject() && id2label.size() > 0) {
            String[] labels = new String[id2label.size()];
            id2label.fields().forEachRemaining(e -> {
                int i;
                try {
                    i = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new Vit4jException("id2label key '" + e.getKey() + "' is not an index in " + file);
                }
                if (i < 0 || i >= labels.length) {
                    throw new Vit4jException("id2label index " + i + " out of range in " + file);
                }
                labels[i] = e.getValue().asText();
            });
            c.numClasses = labels.length;
            c.labels = Arrays.asList(labels);
        } else {
            c.numClasses = 0;
        }
        // transformers' preprocessing, not timm's: its preprocessor_config.json beside config.json, else its defaults.
        Path processor = file.toAbsolutePath().resolveSibling("preprocessor_config.json");
        c.dataConfig = Files.isRegularFile(processor)
                ? HuggingFaceImageProcessor.read(processor, c.inChans)
                : HuggingFaceImageProcessor.defaults(c.inChans, size);
        return c;
    }
}
