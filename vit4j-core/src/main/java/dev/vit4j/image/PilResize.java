package dev.vit4j.image;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} (or BILINEAR) on 8-bit RGB, bit for bit: the
 * antialiased weights of {@link ResampleFilter} turned into 22-bit fixed point, a horizontal pass then a vertical pass,
 * each rounded and clipped to 8 bits exactly as {@code ImagingResampleHorizontal_8bpc} /
 * {@code ImagingResampleVertical_8bpc} do. No Java imaging library reproduces this, so it is written here.
 *
 * <p>{@link #resizeAndCrop} computes only the pixels a crop of the resized image keeps (each output pixel depends on
 * its own row's or column's taps alone, so the bytes are the same), and only the input rows those need: a centre crop
 * after a shorter-side resize skips about a third of the work. The fixed-point taps for a pair of sizes are computed
 * once and kept, as a server sees the same sizes again and again.
 */
public final class PilResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int ROUNDING = 1 << (PRECISION_BITS - 1);
    /** Distinct (filter, input size, output size) triples kept; beyond it the table starts over. */
    private static final int MAX_CACHED = 256;

    private static final Map<TapsKey, Taps> CACHE = new ConcurrentHashMap<>();

    private record TapsKey(ResampleFilter.Kind kind, int in, int out) {}

    /** Pillow's coefficients for one axis in fixed point: output {@code o} reads {@code count[o]} inputs from start. */
    private record Taps(int[] start, int[] count, int[] weights, int kernelSize) {}

    private PilResize() {}

    /** Resizes an interleaved RGB image (3 bytes per pixel, row-major). */
    public static RgbImage resize(RgbImage src, int newW, int newH, ResampleFilter.Kind kind) {
        if (newW == src.width() && newH == src.height()) {
            return src;
        }
        return resizeAndCrop(src, newW, newH, kind, 0, 0, newW, newH);
    }

    /**
     * The same bytes as {@code resize(src, newW, newH, kind).crop(left, top, w, h)} (pixels outside the resized
     * image are zero), computing only the kept ones.
     */
    public static RgbImage resizeAndCrop(
            RgbImage src, int newW, int newH, ResampleFilter.Kind kind, int left, int top, int w, int h) {
        int x0 = Math.max(0, left);
        int x1 = Math.min(newW, left + w);
        int y0 = Math.max(0, top);
        int y1 = Math.min(newH, top + h);
        if (x0 >= x1 || y0 >= y1) {
            return new RgbImage(w, h, new byte[w * h * 3]);
        }
        boolean horizontal = newW != src.width();
        int keptW = x1 - x0;
        if (newH == src.height()) {
            RgbImage rows = horizontal
                    ? toBytes(horizontal(src, taps(kind, src.width(), newW), x0, x1, y0, y1), keptW)
                    : src.crop(x0, y0, keptW, y1 - y0);
            return place(rows, left - x0, top - y0, w, h);
        }
        Taps ty = taps(kind, src.height(), newH);
        int rowFrom = ty.start[y0]; // the input rows the kept output rows read
        int rowTo = 0;
        for (int y = y0; y < y1; y++) {
            rowTo = Math.max(rowTo, ty.start[y] + ty.count[y]);
        }
        int[] rows = horizontal
                ? horizontal(src, taps(kind, src.width(), newW), x0, x1, rowFrom, rowTo)
                : widen(src.crop(x0, rowFrom, keptW, rowTo - rowFrom));
        return place(vertical(rows, keptW, ty, rowFrom, y0, y1), left - x0, top - y0, w, h);
    }

    /** {@code kept} (the part of the resized image inside the crop) where the crop puts it. */
    private static RgbImage place(RgbImage kept, int left, int top, int w, int h) {
        if (left == 0 && top == 0 && kept.width() == w && kept.height() == h) {
            return kept;
        }
        return kept.crop(left, top, w, h);
    }

    private static int[] widen(RgbImage img) {
        byte[] px = img.pixels();
        int[] out = new int[px.length];
        for (int i = 0; i < px.length; i++) {
            out[i] = px[i] & 0xff;
        }
        return out;
    }

    private static RgbImage toBytes(int[] samples, int width) {
        byte[] out = new byte[samples.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) samples[i];
        }
        return new RgbImage(width, samples.length / (3 * width), out);
    }

    private static Taps taps(ResampleFilter.Kind kind, int in, int out) {
        TapsKey key = new TapsKey(kind, in, out);
        Taps t = CACHE.get(key);
        if (t == null) {
            if (CACHE.size() >= MAX_CACHED) {
                CACHE.clear();
            }
            ResampleFilter f = ResampleFilter.coefficients(kind, in, out);
            t = new Taps(f.start, f.count, fixedPoint(f), f.kernelSize);
            CACHE.put(key, t);
        }
        return t;
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

    /**
     * Output columns [x0, x1) of input rows [rowFrom, rowTo), each sample rounded and clipped to 8 bits as Pillow's
     * horizontal pass stores it, kept in ints for the vertical pass.
     */
    private static int[] horizontal(RgbImage in, Taps t, int x0, int x1, int rowFrom, int rowTo) {
        int w = in.width();
        byte[] src = in.pixels();
        int[] out = new int[(rowTo - rowFrom) * (x1 - x0) * 3];
        int o = 0;
        for (int y = rowFrom; y < rowTo; y++) {
            int rowIn = y * w * 3;
            for (int x = x0; x < x1; x++) {
                int s0 = ROUNDING;
                int s1 = ROUNDING;
                int s2 = ROUNDING;
                int base = x * t.kernelSize;
                int p = rowIn + t.start[x] * 3;
                for (int i = 0, n = t.count[x]; i < n; i++, p += 3) {
                    int kk = t.weights[base + i];
                    s0 += (src[p] & 0xff) * kk;
                    s1 += (src[p + 1] & 0xff) * kk;
                    s2 += (src[p + 2] & 0xff) * kk;
                }
                out[o++] = clip8(s0);
                out[o++] = clip8(s1);
                out[o++] = clip8(s2);
            }
        }
        return out;
    }

    /**
     * Output rows [y0, y1) from {@code in} ({@code width} pixels a row, its first row input row {@code rowFrom}): each
     * tap's whole row is added at once into a row of sums (int arithmetic over sequential arrays, which the JIT
     * vectorizes), the same sums as Pillow's per-pixel loop.
     */
    private static RgbImage vertical(int[] in, int width, Taps t, int rowFrom, int y0, int y1) {
        int stride = width * 3;
        byte[] out = new byte[(y1 - y0) * stride];
        int[] sums = new int[stride];
        for (int y = y0; y < y1; y++) {
            java.util.Arrays.fill(sums, ROUNDING);
            int base = y * t.kernelSize;
            for (int i = 0, n = t.count[y]; i < n; i++) {
                int kk = t.weights[base + i];
                int row = (t.start[y] + i - rowFrom) * stride;
                for (int j = 0; j < stride; j++) {
                    sums[j] += in[row + j] * kk;
                }
            }
            int o = (y - y0) * stride;
            for (int j = 0; j < stride; j++) {
                out[o + j] = (byte) clip8(sums[j]);
            }
        }
        return new RgbImage(width, y1 - y0, out);
    }
}
