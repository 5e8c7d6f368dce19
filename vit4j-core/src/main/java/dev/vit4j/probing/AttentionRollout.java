package dev.vit4j.probing;

import dev.vit4j.Vit4jException;
import dev.vit4j.weights.FloatTensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Attention rollout (Abnar &amp; Zuidema 2020) as the vit-explain project offers it: per block, fuse the
 * heads (mean, max or min), zero the lowest {@code discardRatio} of the fused weights (never the class
 * token's own entry), add the identity for the residual path, normalise the rows and multiply the blocks
 * together. vit-explain divides by {@code a.sum(-1)} with broadcasting, which normalises columns; rows are
 * normalised here, as the paper defines it (identical when nothing is discarded and heads are averaged).
 */
public final class AttentionRollout {
    /** How the heads of one block become one matrix. */
    public enum HeadFusion {
        MEAN,
        MAX,
        MIN;

        public static HeadFusion parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Vit4jException("head fusion must be mean, max or min, not " + s);
            }
        }
    }

    private AttentionRollout() {}

    /** {@code blocks}: per block, heads × N × N of one image, first block first. Returns the N × N rollout. */
    public static double[] rollout(List<FloatTensor> blocks, HeadFusion fusion, double discardRatio) {
        if (discardRatio < 0 || discardRatio >= 1) {
            throw new Vit4jException("discard ratio must be in [0, 1), not " + discardRatio);
        }
        int n = blocks.get(0).dim(-1);
        double[] result = identity(n);
        for (FloatTensor block : blocks) {
            if (block.dim(1) != n || block.dim(2) != n) {
                throw new Vit4jException("rollout needs square self-attention of the same size in every block");
            }
            double[] a = fuse(block, fusion, n);
            discardLowest(a, discardRatio);
            for (int i = 0; i < n; i++) {
                a[i * n + i] += 1.0;
            }
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    sum += a[i * n + j];
                }
                for (int j = 0; j < n; j++) {
                    a[i * n + j] /= sum;
                }
            }
            result = multiply(a, result, n);
        }
        return result;
    }

    /** The class token's row of the rollout over the grid, divided by its maximum (vit-explain's mask). */
    public static float[] classTokenMask(double[] rollout, int n, int gridH, int gridW) {
        int prefix = n - gridH * gridW;
        if (prefix < 1) {
            throw new Vit4jException("rollout needs a class token");
        }
        float[] mask = new float[gridH * gridW];
        double max = 0;
        for (int i = 0; i < mask.length; i++) {
            max = Math.max(max, rollout[prefix + i]);
        }
        for (int i = 0; i < mask.length; i++) {
            mask[i] = max > 0 ? (float) (rollout[prefix + i] / max) : 0f;
        }
        return mask;
    }

    private static double[] fuse(FloatTensor block, HeadFusion fusion, int n) {
        int heads = block.dim(0);
        float[] d = block.data();
        double[] out = new double[n * n];
        for (int i = 0; i < n * n; i++) {
            double v = fusion == HeadFusion.MEAN ? 0 : d[i];
            for (int h = 0; h < heads; h++) {
                double x = d[h * n * n + i];
                v = switch (fusion) {
                    case MEAN -> v + x / heads;
                    case MAX -> Math.max(v, x);
                    case MIN -> Math.min(v, x);
                };
            }
            out[i] = v;
        }
        return out;
    }

    private static void discardLowest(double[] a, double ratio) {
        int k = (int) (a.length * ratio);
        if (k == 0) {
            return;
        }
        Integer[] order = new Integer[a.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(a[x], a[y]));
        for (int i = 0; i < k; i++) {
            if (order[i] != 0) {
                a[order[i]] = 0;
            }
        }
    }

    private static double[] identity(int n) {
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            m[i * n + i] = 1;
        }
        return m;
    }

    private static double[] multiply(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double aik = a[i * n + k];
                if (aik == 0) {
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aik * b[k * n + j];
                }
            }
        }
        return c;
    }
}
