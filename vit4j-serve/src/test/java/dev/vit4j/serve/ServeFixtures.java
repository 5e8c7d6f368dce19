package dev.vit4j.serve;

import dev.vit4j.data.Example;
import dev.vit4j.data.ShapesDataset;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Models and images for the server tests, read from the core's test resources (they may sit inside a jar). */
final class ServeFixtures {
    private static final ShapesDataset SHAPES = new ShapesDataset(32, 10_000, 77, "serve-test");

    private ServeFixtures() {
    }

    static byte[] resource(String name) {
        try (InputStream in = ServeFixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A model directory (config.json + model.safetensors) from the test resources, copied under {@code dir}. */
    static Path model(String resourceDir, Path dir) throws IOException {
        Path out = Files.createDirectories(dir.resolve(resourceDir.replace('/', '_')));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.write(out.resolve(f), resource(resourceDir + "/" + f));
        }
        return out;
    }

    /** The CaiT trained here on shapes (32×32, six classes). */
    static Path shapesModel(Path dir) throws IOException {
        return model("/trained/cait_shapes_demo", dir);
    }

    /** timm's vit_micro fixture (a ViT: rollout applies). */
    static Path vitMicro(Path dir) throws IOException {
        return model("/fixtures/vit_micro", dir);
    }

    /** A shapes image as PNG bytes. */
    static byte[] shapePng(int index) {
        Example e = SHAPES.get(index);
        BufferedImage img = new BufferedImage(e.width(), e.height(), BufferedImage.TYPE_INT_RGB);
        int plane = e.width() * e.height();
        for (int y = 0; y < e.height(); y++) {
            for (int x = 0; x < e.width(); x++) {
                int i = y * e.width() + x;
                int rgb = (e.pixels()[i] & 0xff) << 16 | (e.pixels()[plane + i] & 0xff) << 8 | e.pixels()[2 * plane + i] & 0xff;
                img.setRGB(x, y, rgb);
            }
        }
        return png(img);
    }

    static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static int shapeLabel(int index) {
        return SHAPES.get(index).label();
    }
}
