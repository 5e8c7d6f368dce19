package dev.vit4j.data;

import java.awt.image.BufferedImage;

/**
 * One labelled image: 8-bit samples, channels × height × width (planar), and where known the bounding
 * box of its object in pixels (the {@code shapes} set knows it; other sets give null).
 */
public record Example(int channels, int height, int width, byte[] pixels, int label, Box box) {
    public Example {
        if ((long) channels * height * width != pixels.length) {
            throw new IllegalArgumentException("pixels do not match " + channels + "×" + height + "×" + width);
        }
    }

    /** The image as a {@link BufferedImage} (RGB, or gray for one channel): to encode it, to show it. */
    public BufferedImage toImage() {
        BufferedImage img = new BufferedImage(
                width, height, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        int plane = width * height;
        for (int p = 0; p < plane; p++) {
            int v = pixels[p] & 0xff;
            int rgb = channels == 1
                    ? v << 16 | v << 8 | v
                    : v << 16 | (pixels[plane + p] & 0xff) << 8 | pixels[2 * plane + p] & 0xff;
            img.setRGB(p % width, p / width, rgb);
        }
        return img;
    }

    /** Inclusive-exclusive pixel box [x0, x1) × [y0, y1). */
    public record Box(int x0, int y0, int x1, int y1) {
        public boolean contains(double x, double y) {
            return x >= x0 && x < x1 && y >= y0 && y < y1;
        }
    }
}
