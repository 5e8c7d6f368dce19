package dev.vit4j.training;

import dev.vit4j.models.VisionModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Layer-wise learning-rate decay as timm's {@code param_groups_layer_decay} computes it from the models'
 * {@code group_matcher}: layer 0 is the stem (class token, positions, patch embedding), block i is layer i + 1,
 * CaiT's class-attention blocks overlap the last blocks, the final norm is layer {@code depth}, and the rest (the
 * head) the top layer; layer k learns at {@code decay^(top − k)} of the rate.
 */
public final class LayerDecay {
    private LayerDecay() {}

    public static Map<String, Double> scales(VisionModel model, double decay) {
        int depth = model.config().depth;
        int tokenOnly = model.config().isCait() ? model.config().depthTokenOnly : 0;
        Map<String, Integer> layer = new LinkedHashMap<>();
        int top = 0;
        for (String name : model.namedParameters().keySet()) {
            Integer id = layerOf(name, depth, tokenOnly);
            layer.put(name, id);
            if (id != null) {
                top = Math.max(top, id);
            }
        }
        top += 1; // timm: unmatched names (the head) form the last group
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : layer.entrySet()) {
            int id = e.getValue() == null ? top : e.getValue();
            out.put(e.getKey(), Math.pow(decay, top - id));
        }
        return out;
    }

    private static Integer layerOf(String name, int depth, int tokenOnly) {
        if (name.startsWith("cls_token") || name.startsWith("pos_embed") || name.startsWith("patch_embed")) {
            return 0;
        }
        if (name.startsWith("blocks.")) {
            return Integer.parseInt(name.split("\\.")[1]) + 1;
        }
        if (name.startsWith("blocks_token_only.")) {
            return Integer.parseInt(name.split("\\.")[1]) + depth - tokenOnly + 1;
        }
        if (name.startsWith("norm.")) {
            return depth;
        }
        return null;
    }
}
