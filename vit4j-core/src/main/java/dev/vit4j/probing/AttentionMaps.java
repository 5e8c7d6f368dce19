package dev.vit4j.probing;

import dev.vit4j.Vit4jException;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.weights.FloatTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One image's maps from its recorded attention tensors, as numbers: a block's saliency over the patch grid or the
 * image, the rollout; what the pictures ({@code viz.AttentionReport}), the server's view, Spark's saliency column and
 * the saliency-in-box score draw on.
 */
public final class AttentionMaps {
    private static final String CROSS_ATTENTION = "cross_attention.";

    private AttentionMaps() {}

    /**
     * The saliency map (input resolution, [0, 1]) of a block: {@link #gridSaliency} upsampled to the image.
     */
    public static float[] saliency(
            Map<String, FloatTensor> attention, String block, ModelConfig c, int height, int width) {
        float[] s = gridSaliency(attention, block, c);
        return ClassTokenAttention.minMax(
                ClassTokenAttention.upsample(s, c.gridHeight(), c.gridWidth(), height, width));
    }

    /**
     * The saliency of a block over the patch grid ([0, 1]): mean over heads of the class token's attention; for a
     * Perceiver's cross-attention, the mean over heads and latents. {@code attention}: one image's recorded tensors.
     */
    public static float[] gridSaliency(Map<String, FloatTensor> attention, String block, ModelConfig c) {
        FloatTensor t = tensor(attention, block);
        return block.startsWith(CROSS_ATTENTION)
                ? ClassTokenAttention.minMax(CrossAttentionMaps.meanOverLatents(t))
                : ClassTokenAttention.saliency(ClassTokenAttention.perHead(t, c.gridHeight(), c.gridWidth()));
    }

    /** Attention rollout over the family's rollout blocks, the class token's row over the patch grid (not rescaled). */
    public static float[] rolloutGrid(
            Map<String, FloatTensor> attention,
            ModelConfig c,
            AttentionRollout.HeadFusion fusion,
            double discardRatio) {
        List<FloatTensor> all = new ArrayList<>();
        for (String block : c.attentionLayout().rolloutBlocks()) {
            all.add(tensor(attention, block));
        }
        return AttentionRollout.classTokenMask(
                AttentionRollout.rollout(all, fusion, discardRatio), all.get(0).dim(-1), c.gridHeight(), c.gridWidth());
    }

    /** A block's recorded attention; a block that was not recorded is named with those that were. */
    public static FloatTensor tensor(Map<String, FloatTensor> attention, String block) {
        FloatTensor t = attention.get("attention." + block);
        if (t == null) {
            List<String> have = attention.keySet().stream()
                    .filter(k -> k.startsWith("attention."))
                    .map(k -> k.substring("attention.".length()))
                    .toList();
            throw new Vit4jException("no block '" + block + "'; have " + String.join(", ", have));
        }
        return t;
    }
}
