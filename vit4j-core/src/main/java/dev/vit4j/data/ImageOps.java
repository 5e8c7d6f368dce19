package dev.vit4j.data;

import java.util.SplittableRandom;

/**
 * Float image operations for training pipelines on planar C × H × W arrays with values in [0, 1]:
 * bilinear sampling with reflect padding, resize, crops, zoom, flip, channel conversion.
 */
public final class ImageOps {
    private ImageOps() {}

    /** Planar float image in [0, 1]; gray ↔ RGB converted as PIL's "L"/"RGB" modes do. */
    public static float[] toFloat(Example e, int channels) {
        int plane = e.height() * e.width();
        float[] out = new float[channels * plane];
        byte[] px = e.pixels();
        if (e.channels() == channels) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (px[i] & 0xff) / 255f;
            }
        } else if (e.channels() == 1) {
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < plane; i++) {
                    out[c * plane + i] = (px[i] & 0xff) / 255f;
                }
            }
        } else if (channels == 1 && e.channels() == 3) {
            for (int i = 0; i < plane; i++) {
                int l = ((px[i] & 0xff) * 299 + (px[plane + i] & 0xff) * 587 + (px[2 * plane + i] & 0xff) * 114) / 1000;
                out[i] = l / 255f;
            }
        } else {
            throw new dev.vit4j.Vit4jException(
                    "cannot feed " + e.channels() + "-channel images to a " + channels + "-channel model");
        }
        return out;
    }

    private static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        i = Math.floorMod(i, period);
        return i < n ? i : period - i;
    }

    /** Bilinear sample of the source region (x0, y0, w, h) onto outH × outW, pixel centres aligned. */
    public static float[] crop(
            float[] img, int c, int h, int w, double x0, double y0, double cw, double ch, int outH, int outW) {
        float[] out = new float[c * outH * outW];
        double sx = cw / outW;
        double sy = ch / outH;
        for (int y = 0; y < outH; y++) {
            double fy = y0 + (y + 0.5) * sy - 0.5;
            int iy = (int) Math.floor(fy);
            double ty = fy - iy;
            int ya = reflect(iy, h);
            int yb = reflect(iy + 1, h);
            for (int x = 0; x < outW; x++) {
                double fx = x0 + (x + 0.5) * sx - 0.5;
                int ix = (int) Math.floor(fx);
                double tx = fx - ix;
                int xa = reflect(ix, w);
                int xb = reflect(ix + 1, w);
                for (int k = 0; k < c; k++) {
                    int p = k * h * w;
                    double v = (1 - ty) * ((1 - tx) * img[p + ya * w + xa] + tx * img[p + ya * w + xb])
                            + ty * ((1 - tx) * img[p + yb * w + xa] + tx * img[p + yb * w + xb]);
                    out[k * outH * outW + y * outW + x] = (float) v;
                }
            }
        }
        return out;
    }

    public static float[] resize(float[] img, int c, int h, int w, int outH, int outW) {
        if (h == outH && w == outW) {
            return img;
        }
        return crop(img, c, h, w, 0, 0, w, h, outH, outW);
    }

    /** Applies {@code aug} and brings the image to outH × outW. */
    public static float[] augment(
            float[] img, int c, int h, int w, int outH, int outW, Augmentation aug, SplittableRandom r) {
        float[] x;
        if (aug.cropScale > 0) {
            double area = h * w;
            double cw = w;
            double ch = h;
            double cx = 0;
            double cy = 0;
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = area * (aug.cropScale + (1 - aug.cropScale) * r.nextDouble());
                double logRatio = Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * r.nextDouble();
                double ratio = Math.exp(logRatio);
                double tw = Math.sqrt(target * ratio);
                double th = Math.sqrt(target / ratio);
                if (tw <= w && th <= h) {
                    cw = tw;
                    ch = th;
                    cx = r.nextDouble() * (w - tw);
                    cy = r.nextDouble() * (h - th);
                    break;
                }
            }
            x = crop(img, c, h, w, cx, cy, cw, ch, outH, outW);
        } else {
            x = resize(img, c, h, w, outH, outW);
        }
        if (aug.padCrop > 0) {
            int dx = r.nextInt(2 * aug.padCrop + 1) - aug.padCrop;
            int dy = r.nextInt(2 * aug.padCrop + 1) - aug.padCrop;
            x = crop(x, c, outH, outW, dx, dy, outW, outH, outH, outW);
        }
        if (aug.zoom > 0) {
            double s = 1 + aug.zoom * (2 * r.nextDouble() - 1);
            double cw = outW * s;
            double ch = outH * s;
            x = crop(x, c, outH, outW, (outW - cw) / 2, (outH - ch) / 2, cw, ch, outH, outW);
        }
        if (aug.flip > 0 && r.nextDouble() < aug.flip) {
            x = flip(x, c, outH, outW);
        }
        return x;
    }

    public static float[] flip(float[] img, int c, int h, int w) {
        float[] out = new float[img.length];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                int row = k * h * w + y * w;
                for (int x = 0; x < w; x++) {
                    out[row + x] = img[row + w - 1 - x];
                }
            }
        }
        return out;
    }

    /** In place: (x − mean) / std per channel. */
    public static void normalize(float[] img, int c, double[] mean, double[] std) {
        int plane = img.length / c;
        for (int k = 0; k < c; k++) {
            float m = (float) mean[k];
            float s = (float) std[k];
            for (int i = 0; i < plane; i++) {
                img[k * plane + i] = (img[k * plane + i] - m) / s;
            }
        }
    }
}
