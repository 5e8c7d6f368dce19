package dev.vit4j.models.vit;

import dev.vit4j.weights.ConvertedTensors;
import dev.vit4j.weights.ConvertedTensors.Recipe;
import dev.vit4j.weights.TensorSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ViT checkpoints in other libraries' layouts, under timm's names, as timm 0.9.16's {@code checkpoint_filter_fn}
 * converts them: transformers' {@code ViTModel} ({@link HuggingFaceVitNames}), OpenAI CLIP's and open_clip's native
 * towers ({@code visual.*}, timm's {@code _convert_openai_clip}), and open_clip models whose tower is a timm model
 * ({@code visual.trunk.*}, SigLIP's). The other tower and everything else in such a file is left out.
 */
final class ForeignCheckpoints {
    /** timm's {@code _convert_openai_clip} renames, applied in this order to each name. */
    private static final String[][] OPENAI_CLIP_SWAPS = {
        {"conv1", "patch_embed.proj"},
        {"positional_embedding", "pos_embed"},
        {"transformer.resblocks.", "blocks."},
        {"ln_pre", "norm_pre"},
        {"ln_post", "norm"},
        {"ln_", "norm"},
        {"in_proj_", "qkv."},
        {"out_proj", "proj"},
        {"mlp.c_fc", "mlp.fc1"},
        {"mlp.c_proj", "mlp.fc2"},
    };

    private ForeignCheckpoints() {}

    static TensorSource asTimm(TensorSource file) {
        Map<String, long[]> shapes = file.shapes();
        Set<String> names = shapes.keySet();
        if (names.contains(HF_TWO_TOWER + "embeddings.patch_embedding.weight")) {
            return new ConvertedTensors(file, transformersTwoTower(shapes));
        }
        if (HuggingFaceVitNames.matches(names)) {
            Map<String, Recipe> recipes = new LinkedHashMap<>();
            HuggingFaceVitNames.toTimm(names)
                    .forEach((timm, parts) ->
                            recipes.put(timm, parts.size() == 1 ? Recipe.copy(parts.get(0)) : Recipe.concat(parts)));
            return new ConvertedTensors(file, recipes);
        }
        for (String prefix : List.of("visual.", "module.visual.")) {
            if (names.contains(prefix + "class_embedding")) {
                return new ConvertedTensors(file, openAiClip(shapes, prefix));
            }
        }
        if (names.contains("visual.trunk.pos_embed")) {
            Map<String, Recipe> recipes = new LinkedHashMap<>();
            for (String name : names) {
                if (name.startsWith("visual.trunk.")) {
                    recipes.put(name.substring("visual.trunk.".length()), Recipe.copy(name));
                }
            }
            return new ConvertedTensors(file, recipes);
        }
        return file;
    }

    /** transformers' {@code CLIPModel} and {@code SiglipModel}: the image tower under {@code vision_model.}. */
    private static final String HF_TWO_TOWER = "vision_model.";

    /**
     * {@code CLIPVisionTransformer} (class embedding, {@code pre_layrnorm}, {@code visual_projection}) and {@code
     * SiglipVisionTransformer} (no class token, the pooling head {@code head.*}) under timm's names.
     */
    private static Map<String, Recipe> transformersTwoTower(Map<String, long[]> shapes) {
        Set<String> names = shapes.keySet();
        String v = HF_TWO_TOWER;
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        long[] pos = shapes.get(v + "embeddings.position_embedding.weight");
        if (pos == null || pos.length != 2) {
            throw new dev.vit4j.Vit4jException(
                    v + "embeddings.position_embedding.weight is missing or not 2-d in " + "the checkpoint");
        }
        long width = pos[1];
        recipes.put(
                "pos_embed",
                Recipe.reshaped(v + "embeddings.position_embedding.weight", new long[] {1, pos[0], width}));
        if (names.contains(v + "embeddings.class_embedding")) {
            recipes.put("cls_token", Recipe.reshaped(v + "embeddings.class_embedding", new long[] {1, 1, width}));
        }
        copyWeightAndBias(recipes, names, v + "embeddings.patch_embedding", "patch_embed.proj");
        copyWeightAndBias(recipes, names, v + "pre_layrnorm", "norm_pre");
        copyWeightAndBias(recipes, names, v + "post_layernorm", "norm");
        for (int i = 0; names.contains(v + "encoder.layers." + i + ".layer_norm1.weight"); i++) {
            String from = v + "encoder.layers." + i + ".";
            String to = "blocks." + i + ".";
            copyWeightAndBias(recipes, names, from + "layer_norm1", to + "norm1");
            copyWeightAndBias(recipes, names, from + "layer_norm2", to + "norm2");
            copyWeightAndBias(recipes, names, from + "self_attn.out_proj", to + "attn.proj");
            copyWeightAndBias(recipes, names, from + "mlp.fc1", to + "mlp.fc1");
            copyWeightAndBias(recipes, names, from + "mlp.fc2", to + "mlp.fc2");
            for (String part : List.of("weight", "bias")) {
                recipes.put(
                        to + "attn.qkv." + part,
                        Recipe.concat(List.of(
                                from + "self_attn.q_proj." + part,
                                from + "self_attn.k_proj." + part,
                                from + "self_attn.v_proj." + part)));
            }
        }
        String head = v + "head.";
        if (names.contains(head + "probe")) {
            recipes.put("attn_pool.latent", Recipe.copy(head + "probe"));
            for (String part : List.of("weight", "bias")) {
                String packed = head + "attention.in_proj_" + part;
                recipes.put("attn_pool.q." + part, Recipe.rows(packed, 0, width));
                recipes.put("attn_pool.kv." + part, Recipe.rows(packed, width, 2 * width));
            }
            copyWeightAndBias(recipes, names, head + "attention.out_proj", "attn_pool.proj");
            copyWeightAndBias(recipes, names, head + "layernorm", "attn_pool.norm");
            copyWeightAndBias(recipes, names, head + "mlp.fc1", "attn_pool.mlp.fc1");
            copyWeightAndBias(recipes, names, head + "mlp.fc2", "attn_pool.mlp.fc2");
        }
        if (names.contains("visual_projection.weight")) {
            // CLIP's projection is a Linear without bias: timm's head with a zero one
            Recipe weight = Recipe.copy("visual_projection.weight");
            recipes.put("head.weight", weight);
            recipes.put("head.bias", Recipe.zerosFor(weight));
        }
        return recipes;
    }

    private static void copyWeightAndBias(Map<String, Recipe> recipes, Set<String> names, String from, String to) {
        for (String part : List.of("weight", "bias")) {
            if (names.contains(from + "." + part)) {
                recipes.put(to + "." + part, Recipe.copy(from + "." + part));
            }
        }
    }

    private static Map<String, Recipe> openAiClip(Map<String, long[]> shapes, String prefix) {
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(prefix)) {
                continue;
            }
            String k = name.substring(prefix.length());
            for (String[] swap : OPENAI_CLIP_SWAPS) {
                k = k.replace(swap[0], swap[1]);
            }
            long[] shape = e.getValue();
            switch (k) {
                case "proj" -> {
                    Recipe head = Recipe.transposed(name);
                    recipes.put("head.weight", head);
                    recipes.put("head.bias", Recipe.zerosFor(head));
                }
                case "class_embedding" -> recipes.put("cls_token", Recipe.reshaped(name, new long[] {1, 1, shape[0]}));
                case "pos_embed" -> recipes.put(
                        "pos_embed",
                        shape.length == 2
                                ? Recipe.reshaped(name, new long[] {1, shape[0], shape[1]})
                                : Recipe.copy(name));
                default -> recipes.put(k, Recipe.copy(name));
            }
        }
        return recipes;
    }
}
