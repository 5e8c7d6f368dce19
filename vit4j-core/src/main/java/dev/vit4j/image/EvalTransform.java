package dev.vit4j.image;

import dev.vit4j.Vit4jException;
import java.nio.file.Path;

/**
 * timm's eval transform: Resize(floor(size / crop_pct)) of the shorter side with PIL's antialiased filter
 * (the longer side truncated as torchvision computes it), CenterCrop(size) with torchvision's rounding,
 * ToTensor (/255) and Normalize(mean, std), all in float32 as PyTorch does. Output is C × H × W.
 */
public final class EvalTransform {
    private final DataConfig config;
    private final ResampleFilter.Kind filter;
    private final float[][] levels;

    public EvalTransform(DataConfig config) {
        if (config.channels() != 3 && config.channels() != 1) {
            throw new Vit4jException("image preprocessing produces RGB or grayscale, but the model takes "
                    + config.channels() + " channels");
        }
        this.config = config;
        this.filter = ResampleFilter.Kind.forName(config.interpolation());
        this.levels = levels(config);
    }

    public float[] apply(Path image) {
        return apply(ImageDecoder.read(image));
    }

    public float[] apply(RgbImage image) {
        return normalize(resizeAndCrop(image));
    }

    /** For a one-channel model: PIL's {@code convert("L")} (ITU-R 601-2 luma, its rounding), kept as R = G = B. */
    static RgbImage luma(RgbImage image) {
        byte[] px = image.pixels();
        byte[] out = new byte[px.length];
        for (int i = 0; i < px.length; i += 3) {
            int l = ((px[i] & 0xff) * 19595 + (px[i + 1] & 0xff) * 38470 + (px[i + 2] & 0xff) * 7471 + 0x8000) >> 16;
            out[i] = out[i + 1] = out[i + 2] = (byte) l;
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /** The 8-bit image the model will see, before normalization (useful for overlays). */
    public RgbImage resizeAndCrop(RgbImage image) {
        if (config.channels() == 1) {
            image = luma(image); // converted before resizing, as convert("L") then resize does
        }
        int cropH = config.height();
        int cropW = config.width();
        int[] size = resizeTarget(image.width(), image.height());
        // transformers' center_crop floors an odd margin's half where torchvision rounds it half to even.
        boolean floor = config.resizeSize() != null;
        return PilResize.resizeAndCrop(
                image,
                size[0],
                size[1],
                filter,
                offset(size[0], cropW, floor),
                offset(size[1], cropH, floor),
                cropW,
                cropH);
    }

    /**
     * Width and height before the crop. A single target size resizes the shorter side, the longer one truncated
     * as torchvision (and transformers) compute it; two resize exactly.
     */
    int[] resizeTarget(int w, int h) {
        int[] rs = config.resizeSize();
        if (rs != null && rs.length == 2) {
            return new int[] {rs[1], rs[0]};
        }
        if (rs == null && config.cropMode().equals("longest")) {
            // open_clip's ResizeKeepRatio(longest=1): both sides divided by the larger ratio, rounded half to even
            double ratio = Math.max((double) h / config.height(), (double) w / config.width());
            return new int[] {(int) Math.rint(w / ratio), (int) Math.rint(h / ratio)};
        }
        int scaledW = (int) Math.floor(config.width() / config.cropPct());
        int scaledH = (int) Math.floor(config.height() / config.cropPct());
        if (rs == null && (config.cropMode().equals("squash") || scaledW != scaledH)) {
            return new int[] {scaledW, scaledH};
        }
        int newShort = rs != null ? rs[0] : scaledH;
        int newLong = (int) ((double) newShort * Math.max(w, h) / Math.min(w, h));
        return w <= h ? new int[] {newShort, newLong} : new int[] {newLong, newShort};
    }

    /**
     * torchvision's CenterCrop offset: rounded half to even (floored with {@code floor}); an image smaller than the
     * crop is zero-padded (a negative offset).
     */
    private static int offset(int size, int crop, boolean floor) {
        if (size < crop) {
            return -((crop - size) / 2);
        }
        return floor ? (size - crop) / 2 : (int) Math.rint((size - crop) / 2.0);
    }

    /**
     * {@code (v / 255 - mean) / std} per channel, read from a table of the 256 values each channel can take: the
     * same floats as computing it per pixel, without a division per pixel (the server's per-request cost).
     */
    public float[] normalize(RgbImage img) {
        int plane = img.width() * img.height();
        int channels = config.channels();
        float[] out = new float[channels * plane];
        byte[] px = img.pixels();
        for (int c = 0; c < channels; c++) {
            float[] table = levels[c];
            int base = c * plane;
            for (int i = 0, p = c; i < plane; i++, p += 3) {
                out[base + i] = table[px[p] & 0xff];
            }
        }
        return out;
    }

    private static float[][] levels(DataConfig config) {
        float[][] t = new float[config.channels()][256];
        for (int c = 0; c < t.length; c++) {
            float mean = (float) config.mean()[c];
            float std = (float) config.std()[c];
            for (int v = 0; v < 256; v++) {
                t[c][v] = (v / 255f - mean) / std;
            }
        }
        return t;
    }
}
