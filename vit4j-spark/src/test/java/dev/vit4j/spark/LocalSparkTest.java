package dev.vit4j.spark;

import dev.vit4j.data.ShapesDataset;
import dev.vit4j.viz.Png;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Spark tests share, per test class: a local session, the shapes CaiT of the test resources as a model
 * directory, and a folder of ten shape PNGs plus one file that is not an image ({@code broken.png}).
 */
abstract class LocalSparkTest {
    @TempDir
    static Path dir;

    static Path model;
    static Path images;
    static SparkSession spark;

    @BeforeAll
    static void startSpark() throws IOException {
        model = shapesModel("cait_shapes_demo");
        images = Files.createDirectories(dir.resolve("images"));
        ShapesDataset shapes = new ShapesDataset(32, 100, 5, "spark-test");
        for (int i = 0; i < 10; i++) {
            Files.write(
                    images.resolve(String.format("shape_%02d.png", i)),
                    Png.encode(shapes.get(i).toImage()));
        }
        Files.writeString(images.resolve("broken.png"), "not an image");
        // local[2, 3]: two threads, and up to 3 attempts per task, as a cluster retries a failed one.
        spark = SparkSession.builder()
                .master("local[2,3]")
                .appName("vit4j-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** Another copy of the shapes CaiT, in {@code dir/name}. */
    static Path shapesModel(String name) throws IOException {
        Path copy = Files.createDirectories(dir.resolve(name));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            try (InputStream in = LocalSparkTest.class.getResourceAsStream("/trained/cait_shapes_demo/" + f)) {
                Files.copy(in, copy.resolve(f));
            }
        }
        return copy;
    }
}
