package dev.vit4j.models.perceiver;

import dev.vit4j.nn.Initializer;

/**
 * The Perceiver's Fourier position features (Jaegle et al. 2021, §3.2; DeepMind's
 * {@code generate_fourier_features}): positions on a rows × cols grid scaled to [−1, 1] per axis; for axis d
 * and band k the frequency f_dk runs linearly from 1 to μ_d/2 (μ_d the axis' maximum resolution) over the
 * bands; the features of a position x are [x_1, x_2, sin(π f_1k x_1)…, sin(π f_2k x_2)…, cos(π f_1k x_1)…,
 * cos(π f_2k x_2)…] — 2 + 4·bands values, in that order.
 */
public final class FourierFeatures {
    private FourierFeatures() {}

    /** Features per position for a 2-D grid. */
    public static int size(int bands) {
        return 2 + 4 * bands;
    }

    /** Row-major (rows·cols) × {@link #size} table; {@code maxResolution} is {rows μ, cols μ}. */
    public static float[] table(int rows, int cols, int bands, int[] maxResolution) {
        int[] n = {rows, cols};
        int width = size(bands);
        float[] out = new float[rows * cols * width];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double[] pos = {linspace(-1, 1, n[0], r), linspace(-1, 1, n[1], c)};
                int base = (r * cols + c) * width;
                for (int d = 0; d < 2; d++) {
                    out[base + d] = (float) pos[d];
                    for (int k = 0; k < bands; k++) {
                        double f = linspace(1, maxResolution[d] / 2.0, bands, k);
                        out[base + 2 + d * bands + k] = (float) Math.sin(Math.PI * f * pos[d]);
                        out[base + 2 + 2 * bands + d * bands + k] = (float) Math.cos(Math.PI * f * pos[d]);
                    }
                }
            }
        }
        return out;
    }

    /** Value {@code i} of {@code n} evenly spaced from {@code a} to {@code b}, both ends included (numpy's linspace). */
    static double linspace(double a, double b, int n, int i) {
        return n == 1 ? a : a + (b - a) * i / (n - 1);
    }

    public static Initializer initializer(int rows, int cols, int bands, int[] maxResolution) {
        return (shape, random) -> table(rows, cols, bands, maxResolution);
    }
}
