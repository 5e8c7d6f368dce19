package dev.vit4j.viz;

import dev.vit4j.image.RgbImage;
import dev.vit4j.probing.ClassTokenAttention;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * The pictures of Keras' CaiT example ("Class Attention Image Transformers with LayerScale"): a row (or grid) of per-head attention maps with titles, the saliency map, and
 * the saliency laid over the image the model saw.
 */
public final class AttentionFigures {
    private static final int PAD = 12;
    private static final int TITLE = 22;

    private AttentionFigures() {}

    /** A map in [0, 1] (height × width, row-major) through a colormap. */
    public static BufferedImage colorize(float[] map01, int height, int width, Colormap cmap) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, cmap.rgb(map01[y * width + x]));
            }
        }
        return img;
    }

    /** The image with the map on top: (1 − α)·image + α·colormap(map). */
    public static BufferedImage overlay(RgbImage image, float[] map01, Colormap cmap, double alpha) {
        int w = image.width();
        int h = image.height();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        byte[] px = image.pixels();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int c = cmap.rgb(map01[i]);
                int r = blend(px[i * 3] & 0xff, c >> 16 & 0xff, alpha);
                int g = blend(px[i * 3 + 1] & 0xff, c >> 8 & 0xff, alpha);
                int b = blend(px[i * 3 + 2] & 0xff, c & 0xff, alpha);
                out.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return out;
    }

    private static int blend(int a, int b, double alpha) {
        return (int) Math.round((1 - alpha) * a + alpha * b);
    }

    public static BufferedImage fromRgb(RgbImage image) {
        return overlay(image, new float[image.width() * image.height()], Colormap.named("viridis"), 0);
    }

    /**
     * One panel per head, each map upsampled to the input size and scaled to its own range (as
     * matplotlib's imshow does), titled "head i", under a figure title.
     */
    public static BufferedImage headsGrid(
            String title, float[][] heads, int gridH, int gridW, int height, int width, Colormap cmap) {
        String[] labels = new String[heads.length];
        for (int h = 0; h < labels.length; h++) {
            labels[h] = "head " + h;
        }
        return mapsGrid(title, labels, heads, gridH, gridW, height, width, cmap);
    }

    /** As {@link #headsGrid}, with a label per panel. */
    public static BufferedImage mapsGrid(
            String title,
            String[] labels,
            float[][] heads,
            int gridH,
            int gridW,
            int height,
            int width,
            Colormap cmap) {
        int n = heads.length;
        int cols = n <= 6 ? n : (int) Math.ceil(Math.sqrt(n));
        int rows = (n + cols - 1) / cols;
        int figW = PAD + cols * (width + PAD);
        int figH = TITLE + PAD + rows * (height + TITLE + PAD);
        BufferedImage fig = new BufferedImage(figW, figH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = fig.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, figW, figH);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            centre(g, title, figW / 2, TITLE - 4);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            for (int h = 0; h < n; h++) {
                int x = PAD + (h % cols) * (width + PAD);
                int y = TITLE + PAD + (h / cols) * (height + TITLE + PAD);
                centre(g, labels[h], x + width / 2, y + TITLE - 6);
                float[] up = ClassTokenAttention.upsample(heads[h], gridH, gridW, height, width);
                g.drawImage(colorize(ClassTokenAttention.minMax(up), height, width, cmap), x, y + TITLE, null);
            }
        } finally {
            g.dispose();
        }
        return fig;
    }

    private static void centre(Graphics2D g, String text, int cx, int baseline) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, cx - fm.stringWidth(text) / 2, baseline);
    }
}
