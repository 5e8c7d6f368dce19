package dev.vit4j.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;

/**
 * The built-in synthetic set: one shape per image (circle, square, triangle, cross, ring, diamond) in a
 * random colour, size and place, on a cluttered background (colour gradient, noise, distractor strokes
 * and blobs). Each example is rendered on demand from (seed, index), so the set costs no storage and is
 * the same on every machine; each knows its object's box, so attention maps can be scored against it.
 */
public final class ShapesDataset implements Dataset {
    public static final List<String> CLASSES = List.of("circle", "square", "triangle", "cross", "ring", "diamond");

    private final int size;
    private final int count;
    private final long seed;
    private final String name;

    public ShapesDataset(int imageSize, int count, long seed, String name) {
        this.size = imageSize;
        this.count = count;
        this.seed = seed;
        this.name = name;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Example get(int index) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L + index);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        background(img, r);
        for (int i = 0; i < 3; i++) {
            g.setColor(randomColor(r, 0.35f));
            g.setStroke(new BasicStroke(Math.max(1f, size / 32f)));
            g.drawLine(r.nextInt(size), r.nextInt(size), r.nextInt(size), r.nextInt(size));
        }
        for (int i = 0; i < 2; i++) {
            g.setColor(randomColor(r, 0.35f));
            int s = Math.max(2, size / 12);
            g.fillRect(r.nextInt(size), r.nextInt(size), s, s);
        }
        int label = r.nextInt(CLASSES.size());
        int extent = (int) (size * (0.35 + 0.25 * r.nextDouble()));
        int x0 = r.nextInt(size - extent + 1);
        int y0 = r.nextInt(size - extent + 1);
        g.setColor(randomColor(r, 0.9f));
        drawShape(g, label, x0, y0, extent);
        g.dispose();
        byte[] px = new byte[3 * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = img.getRGB(x, y);
                px[y * size + x] = (byte) (rgb >> 16);
                px[plane + y * size + x] = (byte) (rgb >> 8);
                px[2 * plane + y * size + x] = (byte) rgb;
            }
        }
        return new Example(3, size, size, px, label, new Example.Box(x0, y0, x0 + extent, y0 + extent));
    }

    private void background(BufferedImage img, Random r) {
        int c0 = randomColor(r, 0.45f).getRGB();
        int c1 = randomColor(r, 0.45f).getRGB();
        double angle = r.nextDouble() * Math.PI * 2;
        double dx = Math.cos(angle);
        double dy = Math.sin(angle);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double t = 0.5 + ((x - size / 2.0) * dx + (y - size / 2.0) * dy) / size;
                t = Math.max(0, Math.min(1, t));
                int noise = (int) (r.nextGaussian() * 12);
                int rgb = 0;
                for (int shift = 16; shift >= 0; shift -= 8) {
                    double v = ((c0 >> shift) & 0xff) * (1 - t) + ((c1 >> shift) & 0xff) * t + noise;
                    rgb |= (int) Math.max(0, Math.min(255, v)) << shift;
                }
                img.setRGB(x, y, rgb);
            }
        }
    }

    private static Color randomColor(Random r, float brightness) {
        return Color.getHSBColor(
                r.nextFloat(), 0.5f + 0.5f * r.nextFloat(), brightness + (1 - brightness) * r.nextFloat() * 0.5f);
    }

    private static void drawShape(Graphics2D g, int label, int x, int y, int s) {
        switch (CLASSES.get(label)) {
            case "circle" -> g.fill(new Ellipse2D.Double(x, y, s, s));
            case "square" -> g.fillRect(x + s / 8, y + s / 8, s - s / 4, s - s / 4);
            case "triangle" -> g.fillPolygon(
                    new Polygon(new int[] {x + s / 2, x, x + s}, new int[] {y, y + s, y + s}, 3));
            case "cross" -> {
                int t = Math.max(2, s / 4);
                g.fillRect(x + (s - t) / 2, y, t, s);
                g.fillRect(x, y + (s - t) / 2, s, t);
            }
            case "ring" -> {
                g.setStroke(new BasicStroke(Math.max(2f, s / 6f)));
                int inset = Math.max(1, s / 12);
                g.draw(new Ellipse2D.Double(x + inset, y + inset, s - 2 * inset, s - 2 * inset));
            }
            case "diamond" -> g.fillPolygon(new Polygon(
                    new int[] {x + s / 2, x + s, x + s / 2, x}, new int[] {y, y + s / 2, y + s, y + s / 2}, 4));
            default -> throw new IllegalStateException();
        }
    }

    @Override
    public List<String> classes() {
        return CLASSES;
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public int height() {
        return size;
    }

    @Override
    public int width() {
        return size;
    }

    @Override
    public String describe() {
        return name + " (" + count + " images, " + size + "×" + size + ")";
    }
}
