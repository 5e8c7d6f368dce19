package dev.vit4j.testing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Pictures for the search tests: distinct photos (coloured rectangles, each its own size) and their resized,
 * recompressed copies, the near-duplicates an index must find.
 */
public final class Pictures {
    private Pictures() {}

    /** A picture of six coloured rectangles on a coloured ground, 60 to 199 pixels a side, drawn from {@code random}. */
    public static BufferedImage rectangles(Random random) {
        int w = 60 + random.nextInt(140);
        int h = 60 + random.nextInt(140);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(random.nextInt(0xffffff)));
        g.fillRect(0, 0, w, h);
        for (int r = 0; r < 6; r++) {
            g.setColor(new Color(random.nextInt(0xffffff)));
            g.fillRect(
                    random.nextInt(w - 10),
                    random.nextInt(h - 10),
                    5 + random.nextInt(w / 2),
                    5 + random.nextInt(h / 2));
        }
        g.dispose();
        return image;
    }

    /** {@link #rectangles} encoded as a PNG. */
    public static byte[] rectanglesPng(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(rectangles(random), "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The image at three quarters of its size (bilinear), written as a JPEG to {@code out}. */
    public static Path threeQuartersJpeg(BufferedImage src, Path out) throws IOException {
        int w = src.getWidth() * 3 / 4;
        int h = src.getHeight() * 3 / 4;
        BufferedImage small = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        Files.createDirectories(out.toAbsolutePath().getParent());
        ImageIO.write(small, "jpg", out.toFile());
        return out;
    }
}
