package dev.vit4j.probing;

import dev.vit4j.Vit4jException;
import dev.vit4j.image.ResampleFilter;
import dev.vit4j.weights.FloatTensor;

/**
 * What the class token reads (the {@code get_cls_attention_map} of Keras' CaiT example, "Class Attention Image Transformers with LayerScale",
 * after DINO): per head, the class
 * token's attention row over the patches laid out on the real grid (rows × columns, tokens row-major, so
 * non-square inputs keep their orientation); the saliency is the mean over heads, min-max normalised.
 */
public final class ClassTokenAttention {
    private ClassTokenAttention() {}

    /**
     * {@code attention}: heads × queries × keys of one image, the class token being query 0 and the keys
     * {@code prefix} tokens followed by the grid (prefix tokens — the class token, registers, DeiT's distillation
     * token — are left out of the map); or a pooling query's (SigLIP's attention pooling: one query, keys the grid
     * alone). Returns heads × (gridH·gridW).
     */
    public static float[][] perHead(FloatTensor attention, int gridH, int gridW) {
        if (attention.shape().length != 3) {
            throw new IllegalArgumentException(
                    "expected heads × queries × keys, got " + attention.shape().length + " axes");
        }
        int heads = attention.dim(0);
        int queries = attention.dim(1);
        int keys = attention.dim(2);
        int prefix = keys - gridH * gridW;
        if (prefix < 1 && !(prefix == 0 && queries == 1)) {
            throw new Vit4jException("this attention has no class token to read (" + keys + " keys for a " + gridH + "×"
                    + gridW + " grid)");
        }
        float[][] out = new float[heads][gridH * gridW];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(attention.data(), (h * queries) * keys + prefix, out[h], 0, gridH * gridW);
        }
        return out;
    }

    /** Mean over heads, then min-max normalised to [0, 1] (all zeros when the map is flat). */
    public static float[] saliency(float[][] heads) {
        int n = heads[0].length;
        float[] mean = new float[n];
        for (float[] h : heads) {
            for (int i = 0; i < n; i++) {
                mean[i] += h[i] / heads.length;
            }
        }
        return minMax(mean);
    }

    public static float[] minMax(float[] map) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : map) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float[] out = new float[map.length];
        if (max > min) {
            for (int i = 0; i < map.length; i++) {
                out[i] = (map[i] - min) / (max - min);
            }
        }
        return out;
    }

    /** Bicubic upsampling of a gridH × gridW map to height × width pixels. */
    public static float[] upsample(float[] map, int gridH, int gridW, int height, int width) {
        return ResampleFilter.resample(map, 1, gridH, gridW, height, width);
    }
}
