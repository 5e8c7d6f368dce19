package dev.vit4j.probing;

import dev.vit4j.Vit4jException;
import dev.vit4j.weights.FloatTensor;

/**
 * What a Perceiver's latents read: its cross-attention (heads × latents × inputs for one image, the inputs
 * in row-major grid order) turned into maps over the input grid — averaged over heads and latents, or per
 * latent (averaged over heads).
 */
public final class CrossAttentionMaps {
    private CrossAttentionMaps() {}

    /** Mean over heads and latents: how much attention each input position receives in all. */
    public static float[] meanOverLatents(FloatTensor attention) {
        check(attention);
        int rows = attention.dim(0) * attention.dim(1);
        int inputs = attention.dim(2);
        float[] out = new float[inputs];
        float[] a = attention.data();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < inputs; i++) {
                out[i] += a[r * inputs + i] / rows;
            }
        }
        return out;
    }

    /** One map per requested latent, each the mean over heads of that latent's attention row. */
    public static float[][] perLatent(FloatTensor attention, int[] latents) {
        check(attention);
        int heads = attention.dim(0);
        int count = attention.dim(1);
        int inputs = attention.dim(2);
        float[][] out = new float[latents.length][inputs];
        for (int j = 0; j < latents.length; j++) {
            int l = latents[j];
            if (l < 0 || l >= count) {
                throw new Vit4jException("latent " + l + " does not exist (the model has " + count + ")");
            }
            for (int h = 0; h < heads; h++) {
                int base = (h * count + l) * inputs;
                for (int i = 0; i < inputs; i++) {
                    out[j][i] += attention.data()[base + i] / heads;
                }
            }
        }
        return out;
    }

    private static void check(FloatTensor attention) {
        if (attention.shape().length != 3) {
            throw new IllegalArgumentException(
                    "expected heads × latents × inputs, got " + attention.shape().length + " axes");
        }
    }
}
