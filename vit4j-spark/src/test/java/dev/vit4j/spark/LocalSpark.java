package dev.vit4j.spark;

import dev.vit4j.data.ShapesDataset;
import dev.vit4j.viz.Png;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** What the Spark tests share: a local session, the shapes CaiT as a model directory, a folder of shape images. */
final class LocalSpark {
    private LocalSpark() {
    }

    /** local[2, 3]: two threads, and up to 3 attempts per task, as a cluster retries a failed one. */
    static SparkSession session() {
        return SparkSession.builder().master("local[2,3]").appName("vit4j-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    /** The shapes CaiT of the test resources, copied into {@code dir/name}. */
    static Path shapesModel(Path dir, String name) throws IOException {
        Path model = Files.createDirectories(dir.resolve(name));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            try (InputStream in = LocalSpark.class.getResourceAsStream("/trained/cait_shapes_demo/" + f)) {
                Files.copy(in, model.resolve(f));
            }
        }
        return model;
    }

    /** Ten shape PNGs and one file that is not an image ({@code broken.png}) in {@code dir/images}. */
    static Path shapeImages(Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        ShapesDataset shapes = new ShapesDataset(32, 100, 5, "spark-test");
        for (int i = 0; i < 10; i++) {
            Files.write(images.resolve(String.format("shape_%02d.png", i)), Png.encode(shapes.get(i).toImage()));
        }
        Files.writeString(images.resolve("broken.png"), "not an image");
        return images;
    }
}
