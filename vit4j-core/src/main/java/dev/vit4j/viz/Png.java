package dev.vit4j.viz;

import dev.vit4j.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes PNG files atomically. */
public final class Png {
    private Png() {
    }

    public static void write(BufferedImage image, Path target) throws IOException {
        AtomicFiles.write(target, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }
}
