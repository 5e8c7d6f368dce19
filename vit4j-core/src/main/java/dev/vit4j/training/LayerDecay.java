package dev.vit4j.training;

import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelFamily;
import dev.vit4j.models.VisionModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Layer-wise learning-rate decay as timm's {@code param_groups_layer_decay} computes it from the models'
 * {@code group_matcher}: each parameter's layer comes from its family ({@link ModelFamily#decayLayer}: the stem is 0,
 * block i is i + 1, ...), the rest (the head) is the top layer; layer k learns at {@code decay^(top − k)} of the
 * rate.
 */
public final class LayerDecay {
    private LayerDecay() {}

    public static Map<String, Double> scales(VisionModel model, double decay) {
        ModelConfig config = model.config();
        ModelFamily family = config.family();
        Map<String, Integer> layer = new LinkedHashMap<>();
        int top = 0;
        for (String name : model.namedParameters().keySet()) {
            Integer id = family.decayLayer(name, config);
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
}
