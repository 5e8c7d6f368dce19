package dev.vit4j.serve;

import dev.vit4j.data.ShapesDataset;
import dev.vit4j.viz.Png;
import dev.vit4j.weights.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Models and images for the server tests, read from the core's test resources (they may sit inside a jar). */
final class ServeFixtures {
    private static final ShapesDataset SHAPES = new ShapesDataset(32, 10_000, 77, "serve-test");

    private ServeFixtures() {}

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

    /** A tensor of a safetensors file in the test resources, copied under {@code dir} to be read. */
    static float[] tensor(String resource, String name, Path dir) {
        try (SafeTensors st = SafeTensors.open(copy(resource, dir))) {
            return st.floats(name);
        }
    }

    static long[] shape(String resource, String name, Path dir) {
        try (SafeTensors st = SafeTensors.open(copy(resource, dir))) {
            return st.info(name).shape();
        }
    }

    private static Path copy(String resource, Path dir) {
        try {
            Path file = dir.resolve(resource.replace('/', '_'));
            return Files.exists(file) ? file : Files.write(file, resource(resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        return Png.encode(SHAPES.get(index).toImage());
    }

    static int shapeLabel(int index) {
        return SHAPES.get(index).label();
    }
}
