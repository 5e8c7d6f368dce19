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

    /** The largest config file read (a config is a few kB; a tokenizer's is read elsewhere). */
    static final long MAX_CONFIG_BYTES = 16L << 20;

    /**
     * A two-tower model from an open_clip directory's {@code open_clip_config.json} (what open_clip's
     * {@code local-dir:} and the Hub's {@code hf-hub:} models hold), named after the directory.
     */
    public static ModelConfig readOpenClip(Path dir) {
        Path file = dir.resolve("open_clip_config.json");
        byte[] bytes = dev.vit4j.io.BoundedFiles.read(file, MAX_CONFIG_BYTES, "open_clip config");
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new Vit4jException("invalid open_clip config " + file + ": " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject() || !tree.path("model_cfg").isObject()) {
            throw new Vit4jException("invalid open_clip config " + file + ": no model_cfg object");
        }
        Path named = dir.toAbsolutePath().normalize();
        String name =
                named.getFileName() == null ? "open_clip" : named.getFileName().toString();
        try {
            return ModelRegistry.textFamily().fromOpenClip(tree, name).validate();
        } catch (Vit4jException e) {
            throw new Vit4jException(file + ": " + e.getMessage(), e);
        }
    }

    /** A Hugging Face {@code transformers} {@code config.json}, read by the family that knows its model_type. */
    /**
     * The config a weights file implies by itself (OpenAI's CLIP {@code .pt}: a two-tower model read from its tensors'
     * shapes), or null when it implies none and an architecture must be named.
     */
    public static ModelConfig fromCheckpoint(Path file) {
        try (dev.vit4j.weights.TensorSource weights = dev.vit4j.weights.WeightFiles.open(file)) {
            String name = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
            ModelConfig config = ModelRegistry.textFamily().fromCheckpointShapes(weights.shapes(), name);
            return config == null ? null : config.validate();
        }
    }

    static ModelConfig fromHuggingFace(JsonNode hf, Path file) {
        String type = hf.path("model_type").asText();
        ModelConfig config = ModelRegistry.fromHuggingFace(hf, file);
        if (config == null) {
            throw new Vit4jException("unsupported Hugging Face model_type '" + type + "' in " + file + " (vit4j reads "
                    + ModelRegistry.huggingFaceModelTypes() + ")");
        }
        return config;
    }

    /** A config from its JSON form (snake_case keys, a family's own keys beside the common ones), validated. */
    public static ModelConfig fromJson(JsonNode tree) {
        try {
            return JSON.treeToValue(tree, ModelConfig.class).validate();
        } catch (IOException e) {
            throw new Vit4jException("invalid model config: " + firstLine(e.getMessage()));
        }
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
