package dev.vit4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vit4j.Vit4j;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The transformer with DINOv2 (registers), CLIP, SigLIP and distilled DeiT: embeddings and saliency per row. */
class BackbonesSparkTest extends LocalSparkTest {
    private static Path fixtureModel(String fixture) throws IOException {
        Path copy = Files.createDirectories(dir.resolve(fixture));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            try (InputStream in = BackbonesSparkTest.class.getResourceAsStream("/fixtures/" + fixture + "/" + f)) {
                Files.copy(in, copy.resolve(f));
            }
        }
        return copy;
    }

    @Test
    void embeddingsAndSaliencyOfEveryNewFamily() throws IOException {
        Dataset<Row> files = spark.read().format("binaryFile").load(images.toString());
        for (String fixture : List.of("dinov2_micro", "clip_micro", "siglip_micro", "deit_distilled_micro")) {
            Path model = fixtureModel(fixture);
            List<Row> rows = new VitPredictor()
                    .setModel(model.toString())
                    .setOutputCols(VitPredictor.EMBEDDING, VitPredictor.SALIENCY)
                    .transform(files)
                    .collectAsList();
            int checked = 0;
            try (Vit4j library =
                    Vit4j.load(model.toString(), Vit4j.Options.defaults().withThreads(1))) {
                for (Row r : rows) {
                    String path = r.getAs("path");
                    if (path.endsWith("broken.png")) {
                        continue;
                    }
                    assertNull(r.getAs(VitPredictor.ERROR), path);
                    float[] want = library.embed(Files.readAllBytes(Path.of(java.net.URI.create(path))));
                    List<Float> got = r.getList(r.fieldIndex(VitPredictor.EMBEDDING));
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got.get(i), 1e-5, fixture + " " + path);
                    }
                    assertEquals(
                            16, r.getList(r.fieldIndex(VitPredictor.SALIENCY)).size(), fixture);
                    checked++;
                }
            }
            assertEquals(10, checked, fixture);
        }
    }
}
