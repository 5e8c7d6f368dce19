package dev.vit4j.image;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} (or BILINEAR) on 8-bit RGB, bit for bit: the
 * antialiased weights of {@link ResampleFilter} turned into 22-bit fixed point, a horizontal pass then a vertical pass,
 * each rounded and clipped to 8 bits exactly as {@code ImagingResampleHorizontal_8bpc} /
 * {@code ImagingResampleVertical_8bpc} do. No Java imaging library reproduces this, so it is written here.
 */
public final class PilResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {}

    /** Resizes an interleaved RGB image (3 bytes per pixel, row-major). */
    public static RgbImage resize(RgbImage src, int newW, int newH, ResampleFilter.Kind kind) {
        if (newW == src.width() && newH == src.height()) {
            return src;
        }
        RgbImage img = src;
        if (newW != img.width()) {
            img = horizontal(img, newW, kind);
        }
        if (newH != img.height()) {
            img = vertical(img, newH, kind);
        }
        return img;
    }

    private static int[] fixedPoint(ResampleFilter f) {
        int[] k = new int[f.weights.length];
        for (int i = 0; i < k.length; i++) {
            double v = f.weights[i] * (1 << PRECISION_BITS);
            k[i] = (int) (v < 0 ? -0.5 + v : 0.5 + v);
        }
        return k;
    }

    private static int clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (in <= 0) {
            return 0;
        }
        return in >> PRECISION_BITS;
    }

    private static RgbImage horizontal(RgbImage in, int newW, ResampleFilter.Kind kind) {
        ResampleFilter f = ResampleFilter.coefficients(kind, in.width(), newW);
        int[] k = fixedPoint(f);
        int h = in.height();
        int w = in.width();
        byte[] src = in.pixels();
        byte[] out = new byte[h * newW * 3];
        for (int y = 0; y < h; y++) {
            int rowIn = y * w * 3;
            int rowOut = y * newW * 3;
            for (int x = 0; x < newW; x++) {
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                int base = x * f.kernelSize;
                for (int i = 0; i < f.count[x]; i++) {
                    int p = rowIn + (f.start[x] + i) * 3;
                    int kk = k[base + i];
                    s0 += (src[p] & 0xff) * kk;
                    s1 += (src[p + 1] & 0xff) * kk;
                    s2 += (src[p + 2] & 0xff) * kk;
                }
                out[rowOut + x * 3] = (byte) clip8(s0);
                out[rowOut + x * 3 + 1] = (byte) clip8(s1);
                out[rowOut + x * 3 + 2] = (byte) clip8(s2);
            }
        }
        return new RgbImage(newW, h, out);
    }

    private static RgbImage vertical(RgbImage in, int newH, ResampleFilter.Kind kind) {
        ResampleFilter f = ResampleFilter.coefficients(kind, in.height(), newH);
        int[] k = fixedPoint(f);
        int w = in.width();
        byte[] src = in.pixels();
        byte[] out = new byte[newH * w * 3];
        for (int y = 0; y < newH; y++) {
            int base = y * f.kernelSize;
            for (int x = 0; x < w; x++) {
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int i = 0; i < f.count[y]; i++) {
                    int p = ((f.start[y] + i) * w + x) * 3;
                    int kk = k[base + i];
                    s0 += (src[p] & 0xff) * kk;
                    s1 += (src[p + 1] & 0xff) * kk;
                    s2 += (src[p + 2] & 0xff) * kk;
                }
                int o = (y * w + x) * 3;
                out[o] = (byte) clip8(s0);
                out[o + 1] = (byte) clip8(s1);
                out[o + 2] = (byte) clip8(s2);
            }
        }
        return new RgbImage(w, newH, out);
    }
}
