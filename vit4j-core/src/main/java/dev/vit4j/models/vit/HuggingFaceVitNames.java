package dev.vit4j.models.vit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps Hugging Face {@code transformers} ViT checkpoints ({@code ViTForImageClassification} and
 * {@code ViTModel}) onto timm's names. Query, key and value are separate there and fused into one
 * {@code qkv} here, in that order.
 */
final class HuggingFaceVitNames {
    private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)");
    private static final Map<String, String> LAYER_PARTS = Map.of(
            "layernorm_before", "norm1",
            "attention.output.dense", "attn.proj",
            "layernorm_after", "norm2",
            "intermediate.dense", "mlp.fc1",
            "output.dense", "mlp.fc2");
    private static final Map<String, String> TOP = Map.of(
            "embeddings.cls_token", "cls_token",
            "embeddings.position_embeddings", "pos_embed",
            "embeddings.patch_embeddings.projection.weight", "patch_embed.proj.weight",
            "embeddings.patch_embeddings.projection.bias", "patch_embed.proj.bias",
            "layernorm.weight", "norm.weight",
            "layernorm.bias", "norm.bias");

    private HuggingFaceVitNames() {}

    static boolean matches(Iterable<String> names) {
        for (String n : names) {
            if (n.startsWith("vit.embeddings.") || n.startsWith("embeddings.patch_embeddings.")) {
                return true;
            }
        }
        return false;
    }

    /**
     * timm name → the Hugging Face names whose values, concatenated along the first axis, make it.
     * Names that map to nothing are kept as they are, so they show up as unexpected keys.
     */
    static Map<String, List<String>> toTimm(Iterable<String> hfNames) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String hf : hfNames) {
            String n = hf.startsWith("vit.") ? hf.substring(4) : hf;
            if (n.startsWith("classifier.")) {
                out.put("head." + n.substring("classifier.".length()), List.of(hf));
                continue;
            }
            if (TOP.containsKey(n)) {
                out.put(TOP.get(n), List.of(hf));
                continue;
            }
            Matcher m = LAYER.matcher(n);
            if (m.matches()) {
                String block = "blocks." + m.group(1) + ".";
                String rest = m.group(2);
                if (rest.startsWith("attention.attention.")) {
                    String suffix = rest.substring(rest.lastIndexOf('.') + 1);
                    String prefix = hf.substring(0, hf.length() - rest.length()) + "attention.attention.";
                    out.putIfAbsent(
                            block + "attn.qkv." + suffix,
                            List.of(prefix + "query." + suffix, prefix + "key." + suffix, prefix + "value." + suffix));
                    continue;
                }
                int dot = rest.lastIndexOf('.');
                String part = LAYER_PARTS.get(rest.substring(0, dot));
                if (part != null) {
                    out.put(block + part + rest.substring(dot), List.of(hf));
                    continue;
                }
            }
            out.put(hf, List.of(hf));
        }
        return out;
    }
}
