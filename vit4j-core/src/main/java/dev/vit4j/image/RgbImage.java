package dev.vit4j.image;

/** An 8-bit RGB image, pixels interleaved R, G, B, row-major: what PIL's {@code convert("RGB")} holds. */
public record RgbImage(int width, int height, byte[] pixels) {
    public RgbImage {
        if ((long) width * height * 3 != pixels.length) {
            throw new IllegalArgumentException("pixel buffer does not match " + width + "×" + height);
        }
    }

    /** The sub-image [left, left+w) × [top, top+h), zero-padded where it falls outside (torchvision's CenterCrop pads). */
    public RgbImage crop(int left, int top, int w, int h) {
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            int sy = top + y;
            if (sy < 0 || sy >= height) {
                continue;
            }
            for (int x = 0; x < w; x++) {
                int sx = left + x;
                if (sx < 0 || sx >= width) {
                    continue;
                }
                System.arraycopy(pixels, (sy * width + sx) * 3, out, (y * w + x) * 3, 3);
            }
        }
        return new RgbImage(w, h, out);
    }
}
