package dev.vit4j.image;

/**
 * The antialiased resampling weights of Pillow's {@code Resample.c} (bicubic: a = −0.5, support 2; bilinear:
 * triangle, support 1; support scaled by the reduction factor), which PyTorch's
 * {@code interpolate(..., antialias=True)} computes the same way. For each output index: the first input
 * index and the normalized weights of the inputs it reads.
 */
public final class ResampleFilter {
    private static final double A = -0.5;

    /** Per output position: first input index, count, and weights (length {@code kernelSize}). */
    public final int[] start;

    public final int[] count;
    public final double[] weights;
    public final int kernelSize;

    private ResampleFilter(int[] start, int[] count, double[] weights, int kernelSize) {
        this.start = start;
        this.count = count;
        this.weights = weights;
        this.kernelSize = kernelSize;
    }

    /** The filters timm configs name: "bicubic" and "bilinear". */
    public enum Kind {
        BICUBIC(2.0),
        BILINEAR(1.0);

        final double support;

        Kind(double support) {
            this.support = support;
        }

        public static Kind forName(String name) {
            if (name == null || name.equals("bicubic")) {
                return BICUBIC;
            }
            if (name.equals("bilinear")) {
                return BILINEAR;
            }
            throw new dev.vit4j.Vit4jException("unsupported interpolation '" + name + "' (bicubic or bilinear)");
        }

        double weight(double x) {
            return this == BICUBIC ? bicubic(x) : Math.max(0, 1 - Math.abs(x));
        }
    }

    static double bicubic(double x) {
        if (x < 0) {
            x = -x;
        }
        if (x < 1) {
            return ((A + 2) * x - (A + 3)) * x * x + 1;
        }
        if (x < 2) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0;
    }

    /** Pillow's {@code precompute_coeffs} for the whole input range [0, inSize). */
    public static ResampleFilter coefficients(Kind kind, int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = kind.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        double[] w = new double[outSize * ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            // (int) truncates toward zero, as the C cast does.
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                double k = kind.weight((x + xmin - center + 0.5) * ss);
                w[xx * ksize + x] = k;
                ww += k;
            }
            if (ww != 0) {
                for (int x = 0; x < xmax; x++) {
                    w[xx * ksize + x] /= ww;
                }
            }
            start[xx] = xmin;
            count[xx] = xmax;
        }
        return new ResampleFilter(start, count, w, ksize);
    }

    /**
     * Float resampling of a channels × h × w array to channels × newH × newW (separable, horizontal
     * first), as {@code F.interpolate(mode="bicubic", antialias=True, align_corners=False)}.
     */
    public static float[] resample(float[] in, int channels, int h, int w, int newH, int newW) {
        ResampleFilter fx = coefficients(Kind.BICUBIC, w, newW);
        ResampleFilter fy = coefficients(Kind.BICUBIC, h, newH);
        float[] tmp = new float[channels * h * newW];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                int row = (c * h + y) * w;
                for (int x = 0; x < newW; x++) {
                    double s = 0;
                    for (int k = 0; k < fx.count[x]; k++) {
                        s += in[row + fx.start[x] + k] * fx.weights[x * fx.kernelSize + k];
                    }
                    tmp[(c * h + y) * newW + x] = (float) s;
                }
            }
        }
        float[] out = new float[channels * newH * newW];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < newH; y++) {
                for (int x = 0; x < newW; x++) {
                    double s = 0;
                    for (int k = 0; k < fy.count[y]; k++) {
                        s += tmp[(c * h + fy.start[y] + k) * newW + x] * fy.weights[y * fy.kernelSize + k];
                    }
                    out[(c * newH + y) * newW + x] = (float) s;
                }
            }
        }
        return out;
    }
}
