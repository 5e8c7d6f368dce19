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
    private Png() {
    }

    public static void write(BufferedImage image, Path target) throws IOException {
        // An explicit in-memory stream: ImageIO's default for an OutputStream caches in a temporary file, and after a
        // failed write (a full disk) its StreamCloser dumps a NullPointerException at exit.
        AtomicFiles.write(target, out -> {
            try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
                if (!ImageIO.write(image, "png", ios)) {
                    throw new IOException("no PNG writer available");
                }
            }
        });
    }
}
