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
