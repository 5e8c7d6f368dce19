package dev.vit4j.data;

/**
 * Keras {@code Normalization.adapt}: per-channel mean and standard deviation of the training images
 * (values scaled to [0, 1]), measured on up to {@code maxImages} examples spread over the set.
 */
public final class Normalization {
    private Normalization() {}

    /** Returns {mean[], std[]} for {@code channels} channels. */
    public static double[][] adapt(Dataset data, int channels, int maxImages) {
        int n = Math.min(data.size(), maxImages);
        double[] sum = new double[channels];
        double[] sumSq = new double[channels];
        long[] count = new long[channels];
        int step = Math.max(1, data.size() / n);
        for (int i = 0, seen = 0; i < data.size() && seen < n; i += step, seen++) {
            Example e;
            try {
                e = data.get(i);
            } catch (dev.vit4j.Vit4jException bad) {
                continue;
            }
            float[] x = ImageOps.toFloat(e, channels);
            int plane = x.length / channels;
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < plane; p++) {
                    double v = x[c * plane + p];
                    sum[c] += v;
                    sumSq[c] += v * v;
                }
                count[c] += plane;
            }
        }
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = sum[c] / Math.max(1, count[c]);
            std[c] = Math.sqrt(Math.max(1e-12, sumSq[c] / Math.max(1, count[c]) - mean[c] * mean[c]));
        }
        return new double[][] {mean, std};
    }
}
