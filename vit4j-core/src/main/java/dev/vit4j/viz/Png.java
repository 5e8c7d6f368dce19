package dev.vit4j.viz;

import dev.vit4j.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Writes PNG files atomically. */
public final class Png {
    private Png() {}

    /** The image as PNG bytes (for an HTTP answer). */
    public static byte[] encode(BufferedImage image) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            encode(image, out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // memory only: cannot happen short of a missing PNG writer
        }
        return out.toByteArray();
    }

    public static void write(BufferedImage image, Path target) throws IOException {
        // An explicit in-memory stream: ImageIO's default for an OutputStream caches in a temporary file, and after a
        // failed write (a full disk) its StreamCloser dumps a NullPointerException at exit.
        AtomicFiles.write(target, out -> encode(image, out));
    }

    private static void encode(BufferedImage image, java.io.OutputStream out) throws IOException {
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            if (!ImageIO.write(image, "png", ios)) {
                throw new IOException("no PNG writer available");
            }
        }
    }
}
