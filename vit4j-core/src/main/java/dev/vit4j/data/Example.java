package dev.vit4j.data;

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

    /** Inclusive-exclusive pixel box [x0, x1) × [y0, y1). */
    public record Box(int x0, int y0, int x1, int y1) {
        public boolean contains(double x, double y) {
            return x >= x0 && x < x1 && y >= y0 && y < y1;
        }
    }
}
