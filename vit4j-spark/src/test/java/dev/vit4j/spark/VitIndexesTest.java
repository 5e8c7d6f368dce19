package dev.vit4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vit4j.search.VitIndex;
import dev.vit4j.testing.Pictures;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * An index built from a DataFrame of images (embedded on the executors, written on the driver) and a DataFrame of
 * queries searched against it, with a tiny CLIP (tools/clip_fixtures.py small): each photo's resized, recompressed
 * copy is its first hit; the index records its model as the command line loads it.
 */
class VitIndexesTest extends LocalSparkTest {
    private static final Path CLIP =
            Path.of("..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "clip", "clip-tiny");

    @Test
    void buildsAnIndexFromADataFrameAndSearchesADataFrameAgainstIt() throws Exception {
        Path photos = Files.createDirectories(dir.resolve("index-photos"));
        Path copies = Files.createDirectories(dir.resolve("index-copies"));
        Random random = new Random(34);
        for (int i = 0; i < 8; i++) {
            BufferedImage image = Pictures.rectangles(random);
            ImageIO.write(image, "png", photos.resolve("p" + i + ".png").toFile());
            Pictures.threeQuartersJpeg(image, copies.resolve("p" + i + ".jpg"));
        }
        Files.writeString(copies.resolve("broken.jpg"), "not an image");
        String model = CLIP.toAbsolutePath().toString();
        VitPredictor clip = new VitPredictor()
                .setModel(model)
                .setPathCol("path")
                .setInputCol("content")
                .setBatchSize(3);
        Dataset<Row> indexed =
                spark.read().format("binaryFile").load(copies.toString()).repartition(2);
        Path index = dir.resolve("spark-index");
        VitIndexes.Built built = VitIndexes.build(indexed, clip, index.toString());
        assertEquals(new VitIndexes.Built(8, 1, 8), built, "eight copies added, the broken file counted");
        VitIndex.Description d = VitIndex.describe(index);
        assertEquals(CLIP.toAbsolutePath().normalize().toString(), d.origin().weights(), "loadable by `vit4j search`");

        Dataset<Row> queries =
                spark.read().format("binaryFile").load(photos.toString()).repartition(3);
        List<Row> hits = VitIndexes.search(queries, clip, index.toString(), 2)
                .where("rank = 1")
                .collectAsList();
        assertEquals(8, hits.size());
        for (Row h : hits) {
            String query = h.getString(h.fieldIndex("path"));
            String name = query.substring(query.lastIndexOf('/') + 1).replace(".png", ".jpg");
            assertEquals(
                    copies.resolve(name).toAbsolutePath().normalize().toString(),
                    h.getString(h.fieldIndex("hit_path")));
        }
    }
}
