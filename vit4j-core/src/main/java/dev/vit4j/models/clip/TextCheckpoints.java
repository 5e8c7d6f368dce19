package dev.vit4j.models.clip;

import dev.vit4j.weights.ConvertedTensors;
import dev.vit4j.weights.ConvertedTensors.Recipe;
import dev.vit4j.weights.TensorSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A two-tower checkpoint's text tower under {@link TextTransformer}'s names: open_clip's and OpenAI's layout (the text
 * tower at the top level, or under {@code text.} for open_clip's {@code CustomTextCLIP}, SigLIP's) and transformers'
 * {@code CLIPModel} and {@code SiglipModel} ({@code text_model.*}). The image tower and anything else is left out.
 */
final class TextCheckpoints {
    /** open_clip's block names → timm's, applied in this order (as timm's {@code _convert_openai_clip}). */
    private static final String[][] OPEN_CLIP_SWAPS = {
        {"transformer.resblocks.", "blocks."},
        {"ln_1", "norm1"},
        {"ln_2", "norm2"},
        {"attn.in_proj_weight", "attn.qkv.weight"},
        {"attn.in_proj_bias", "attn.qkv.bias"},
        {"attn.out_proj", "attn.proj"},
        {"mlp.c_fc", "mlp.fc1"},
        {"mlp.c_proj", "mlp.fc2"},
    };

    private static final List<String> TEXT_ROOTS =
            List.of("token_embedding.", "positional_embedding", "transformer.", "ln_final.", "text_projection");

    private TextCheckpoints() {}

    static TensorSource asText(TensorSource file) {
        Map<String, long[]> shapes = file.shapes();
        Set<String> names = shapes.keySet();
        if (names.contains("text_model.embeddings.token_embedding.weight")) {
            return new ConvertedTensors(file, transformers(shapes));
        }
        for (String prefix : List.of("", "text.", "module.", "module.text.")) {
            if (names.contains(prefix + "token_embedding.weight")) {
                return new ConvertedTensors(file, openClip(shapes, prefix));
            }
        }
        return null;
    }

    private static Map<String, Recipe> openClip(Map<String, long[]> shapes, String prefix) {
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        String scales = prefix.startsWith("module.") ? "module." : "";
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(prefix)) {
                continue;
            }
            String k = name.substring(prefix.length());
            if (TEXT_ROOTS.stream().noneMatch(k::startsWith)) {
                continue;
            }
            if (k.endsWith("attn_mask")) {
                continue; // OpenAI's blocks keep the causal mask as a tensor attribute: not a weight
            }
            for (String[] swap : OPEN_CLIP_SWAPS) {
                k = k.replace(swap[0], swap[1]);
            }
            if (k.equals("text_projection")) {
                // CLIP's projection is a width × embed matrix applied as x·P: a Linear's weight is Pᵀ
                recipes.put("text_projection.weight", Recipe.transposed(name));
            } else {
                recipes.put(k, Recipe.copy(name));
            }
        }
        for (String scale : List.of("logit_scale", "logit_bias")) {
            if (shapes.containsKey(scales + scale)) {
                recipes.put(scale, scalar(shapes, scales + scale));
            }
        }
        return recipes;
    }

    /** A one-value tensor as a scalar (transformers' SigLIP keeps {@code logit_scale} as a 1-vector). */
    private static Recipe scalar(Map<String, long[]> shapes, String name) {
        long size = 1;
        for (long d : shapes.get(name)) {
            size *= d;
        }
        return size == 1 ? Recipe.reshaped(name, new long[0]) : Recipe.copy(name);
    }

    private static Map<String, Recipe> transformers(Map<String, long[]> shapes) {
        Set<String> names = shapes.keySet();
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        String t = "text_model.";
        recipes.put("token_embedding.weight", Recipe.copy(t + "embeddings.token_embedding.weight"));
        recipes.put("positional_embedding", Recipe.copy(t + "embeddings.position_embedding.weight"));
        for (int i = 0; names.contains(t + "encoder.layers." + i + ".layer_norm1.weight"); i++) {
            String from = t + "encoder.layers." + i + ".";
            String to = "blocks." + i + ".";
            for (String part : List.of("weight", "bias")) {
                recipes.put(to + "norm1." + part, Recipe.copy(from + "layer_norm1." + part));
                recipes.put(to + "norm2." + part, Recipe.copy(from + "layer_norm2." + part));
                List<String> qkv = new ArrayList<>();
                for (String p : List.of("q", "k", "v")) {
                    qkv.add(from + "self_attn." + p + "_proj." + part);
                }
                recipes.put(to + "attn.qkv." + part, Recipe.concat(qkv));
                recipes.put(to + "attn.proj." + part, Recipe.copy(from + "self_attn.out_proj." + part));
                recipes.put(to + "mlp.fc1." + part, Recipe.copy(from + "mlp.fc1." + part));
                recipes.put(to + "mlp.fc2." + part, Recipe.copy(from + "mlp.fc2." + part));
            }
        }
        recipes.put("ln_final.weight", Recipe.copy(t + "final_layer_norm.weight"));
        recipes.put("ln_final.bias", Recipe.copy(t + "final_layer_norm.bias"));
        if (names.contains(t + "head.weight")) {
            // SiglipTextTransformer's head
            recipes.put("text_projection.weight", Recipe.copy(t + "head.weight"));
            recipes.put("text_projection.bias", Recipe.copy(t + "head.bias"));
        } else if (names.contains("text_projection.weight")) {
            recipes.put("text_projection.weight", Recipe.copy("text_projection.weight"));
        }
        for (String scale : List.of("logit_scale", "logit_bias")) {
            if (names.contains(scale)) {
                recipes.put(scale, scalar(shapes, scale));
            }
        }
        return recipes;
    }
}
