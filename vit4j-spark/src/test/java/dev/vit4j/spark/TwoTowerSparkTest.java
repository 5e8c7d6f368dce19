package dev.vit4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CLIP and SigLIP on Spark (tiny open_clip models of tools/clip_fixtures.py small): {@link TextEmbedder}'s column and
 * {@link VitPredictor}'s zero-shot labels equal open_clip's numbers; a saved embedder loads and gives the same.
 */
class TwoTowerSparkTest extends LocalSparkTest {
    private static final Path CLIP = Path.of("..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "clip");

    private static JsonNode expected(String model) throws IOException {
        return new ObjectMapper()
                .readTree(CLIP.resolve(model + "-expected/expected.json").toFile());
    }

    private static void assertClose(JsonNode want, List<Float> got, String what) {
        assertEquals(want.size(), got.size(), what);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < want.size(); i++) {
            scale = Math.max(scale, Math.abs(want.get(i).asDouble()));
            worst = Math.max(worst, Math.abs(want.get(i).asDouble() - got.get(i)));
        }
        assertTrue(worst <= 1e-4 * scale, what + ": max difference " + worst + " over " + scale);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"clip-tiny", "siglip-tiny"})
    void textEmbeddingsAndZeroShotAreOpenClips(String name) throws IOException {
        JsonNode want = expected(name);
        String model = CLIP.resolve(name).toAbsolutePath().toString();
        List<Row> rows = new ArrayList<>();
        List<String> texts = strings(want.get("texts"));
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        rows.add(RowFactory.create(texts.size(), null));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType, true);
        Dataset<Row> captions = spark.createDataFrame(rows, schema).repartition(2);
        TextEmbedder embedder = new TextEmbedder().setModel(model).setBatchSize(4);
        List<Row> embedded = embedder.transform(captions).orderBy("id").collectAsList();
        assertEquals(texts.size() + 1, embedded.size());
        for (int i = 0; i < texts.size(); i++) {
            assertClose(
                    want.get("text_embeds").get(i),
                    embedded.get(i).getList(embedded.get(i).fieldIndex(TextEmbedder.TEXT_EMBEDDING)),
                    name + " text " + i);
        }
        assertNull(embedded.get(texts.size()).getAs(TextEmbedder.TEXT_EMBEDDING), "a null text, a null embedding");

        // saved in a pipeline with a copy of the model, loaded, normalised
        String saved = dir.resolve(name + "-pipeline").toString();
        new Pipeline()
                .setStages(new PipelineStage[] {embedder.setNormalize(true)})
                .fit(captions)
                .write()
                .overwrite()
                .save(saved);
        List<Float> unit = PipelineModel.load(saved)
                .transform(captions)
                .orderBy("id")
                .first()
                .getList(1 + 1);
        double norm = 0;
        for (float v : unit) {
            norm += v * v;
        }
        assertEquals(1.0, norm, 1e-5);
        assertTrue(Files.isDirectory(Path.of(saved, "stages")), "a pipeline's stages");

        // zero-shot: the labels ranked as open_clip's probabilities say
        Path images = Files.createDirectories(dir.resolve(name + "-images"));
        for (JsonNode image : want.get("images")) {
            Files.copy(CLIP.resolve(name + "-expected").resolve(image.asText()), images.resolve(image.asText()));
        }
        List<String> labels = strings(want.get("labels"));
        List<Row> ranked = new VitPredictor()
                .setModel(model)
                .setLabels(labels.toArray(String[]::new))
                .setTemplates(strings(want.get("templates")).toArray(String[]::new))
                .setTopK(labels.size())
                .setOutputCols(VitPredictor.TOP_LABELS, VitPredictor.TOP_PROBABILITIES, VitPredictor.LOGITS)
                .transform(spark.read().format("binaryFile").load(images.toString()))
                .orderBy("path")
                .collectAsList();
        assertEquals(want.get("images").size(), ranked.size());
        for (int i = 0; i < ranked.size(); i++) {
            Row r = ranked.get(i);
            assertNull(r.getAs(VitPredictor.ERROR));
            List<String> top = r.getList(r.fieldIndex(VitPredictor.TOP_LABELS));
            List<Double> p = r.getList(r.fieldIndex(VitPredictor.TOP_PROBABILITIES));
            for (int j = 0; j < top.size(); j++) {
                assertEquals(
                        want.get("probabilities")
                                .get(i)
                                .get(labels.indexOf(top.get(j)))
                                .asDouble(),
                        p.get(j),
                        1e-4,
                        name + " image " + i + " " + top.get(j));
            }
            assertEquals(
                    labels.size(), r.getList(r.fieldIndex(VitPredictor.LOGITS)).size());
        }
    }

    @org.junit.jupiter.api.Test
    void badSettingsAreRefusedBeforeAnythingRuns() {
        String clip = CLIP.resolve("clip-tiny").toAbsolutePath().toString();
        Dataset<Row> files = spark.read().format("binaryFile").load(images.toString());
        IllegalArgumentException binary = assertThrows(
                IllegalArgumentException.class,
                () -> new TextEmbedder().setModel(clip).setInputCol("content").transform(files));
        assertTrue(binary.getMessage().contains("must be strings"), binary.getMessage());
        IllegalArgumentException empty = assertThrows(
                IllegalArgumentException.class,
                () -> new VitPredictor().setModel(clip).setLabels("cat", " ").transform(files));
        assertTrue(empty.getMessage().contains("entry 2 is empty"), empty.getMessage());
        IllegalArgumentException template = assertThrows(IllegalArgumentException.class, () -> new VitPredictor()
                .setModel(clip)
                .setLabels("cat")
                .setTemplates("a photo")
                .transform(files));
        assertTrue(template.getMessage().contains("{}"), template.getMessage());

        Dataset<Row> texts =
                spark.createDataset(List.of("a cat"), Encoders.STRING()).toDF("text");
        Exception noText = assertThrows(Exception.class, () -> new TextEmbedder()
                .setModel(model.toString())
                .transform(texts)
                .collectAsList());
        assertTrue(String.valueOf(rootMessage(noText)).contains("has no text tower"), rootMessage(noText));
    }

    private static String rootMessage(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
