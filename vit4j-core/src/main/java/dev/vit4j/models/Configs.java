package dev.vit4j.models;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes {@link ModelConfig} as JSON. */
public final class Configs {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Configs() {}

    public static ModelConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new Vit4jException("config file not found: " + file);
        }
        ModelConfig config;
        try {
            JsonNode tree = JSON.readTree(file.toFile());
            if (tree == null || !tree.isObject()) {
                throw new Vit4jException("invalid model config " + file + ": not a JSON object");
            }
            config = tree.has("model_type") ? fromHuggingFace(tree, file) : JSON.treeToValue(tree, ModelConfig.class);
        } catch (IOException e) {
            throw new Vit4jException("invalid model config " + file + ": " + firstLine(e.getMessage()));
        }
        if (config == null) {
            throw new Vit4jException("invalid model config " + file + ": empty");
        }
        if (config.name == null) {
            // A model directory's config.json is named after the directory, as on the Hugging Face hub.
            Path named = file.getFileName().toString().equals("config.json")
                            && file.toAbsolutePath().getParent() != null
                    ? file.toAbsolutePath().getParent()
                    : file;
            config.name = named.getFileName().toString().replaceFirst("\\.json$", "");
        }
        return config.validate();
    }

    /** A Hugging Face {@code transformers} ViT {@code config.json}, as the equivalent timm ViT. */
    static ModelConfig fromHuggingFace(JsonNode hf, Path file) {
        if (!"vit".equals(hf.path("model_type").asText())) {
            throw new Vit4jException("unsupported Hugging Face model_type '"
                    + hf.path("model_type").asText() + "' in " + file + " (vit4j reads \"vit\")");
        }
        if (!"gelu".equals(hf.path("hidden_act").asText("gelu"))) {
            throw new Vit4jException(
                    "unsupported hidden_act '" + hf.path("hidden_act").asText() + "' in " + file);
        }
        ModelConfig c = new ModelConfig();
        c.arch = "vit";
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
            c.labels = java.util.Arrays.asList(labels);
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

    public static String toJson(ModelConfig config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ModelConfig copy(ModelConfig config) {
        try {
            return JSON.readValue(JSON.writeValueAsBytes(config), ModelConfig.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
