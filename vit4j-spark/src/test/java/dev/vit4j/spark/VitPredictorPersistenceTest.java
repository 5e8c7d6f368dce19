package dev.vit4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** A predictor saved alone or inside a PipelineModel, and loaded back, as Spark ML's own stages are. */
class VitPredictorPersistenceTest extends LocalSparkTest {
    @Test
    void aSavedPipelineCarriesItsModelAndPredictsTheSameWithoutTheOriginal() throws IOException {
        Path original = shapesModel("trained-here");
        Dataset<Row> files = spark.read().format("binaryFile").load(images.toString());
        VitPredictor predictor = new VitPredictor()
                .setModel(original.toString())
                .setTopK(2)
                .setBatchSize(3)
                .setOutputCols(VitPredictor.TOP_INDICES, VitPredictor.TOP_PROBABILITIES, VitPredictor.EMBEDDING);
        PipelineModel pipeline =
                new Pipeline().setStages(new PipelineStage[] {predictor}).fit(files);
        List<String> want = outputs(pipeline.transform(files));
        String saved = dir.resolve("pipeline").toString();
        pipeline.write().overwrite().save(saved);
        try (Stream<Path> s = Files.walk(original)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }

        PipelineModel loaded = PipelineModel.load(saved);
        VitPredictor stage = (VitPredictor) loaded.stages()[0];
        assertEquals(predictor.uid(), stage.uid());
        assertEquals(2, stage.getOrDefault(stage.topK()));
        assertEquals(3, stage.getOrDefault(stage.batchSize()));
        assertArrayEquals(predictor.getOrDefault(predictor.outputCols()), stage.getOrDefault(stage.outputCols()));
        assertNotEquals(original.toString(), stage.getModel(), "the saved copy, not the deleted original");
        assertEquals(11, want.size());
        assertEquals(want, outputs(loaded.transform(files)));
        assertEquals(List.of("metadata", "model"), entries(Path.of(saved, "stages", "0_" + predictor.uid())));
    }

    @Test
    void aHubNameIsSavedAsTheNameAndAnExistingPathIsNotOverwrittenUnlessAsked() throws IOException {
        VitPredictor predictor = new VitPredictor()
                .setModel("timm/deit_tiny_patch16_224.fb_in1k")
                .setEngine("onnx-int8");
        Path saved = dir.resolve("hub-predictor");
        predictor.save(saved.toString());
        assertEquals(List.of("metadata"), entries(saved), "nothing to copy for a Hub name");
        VitPredictor back = VitPredictor.load(saved.toString());
        assertEquals("timm/deit_tiny_patch16_224.fb_in1k", back.getModel());
        assertEquals("onnx-int8", back.getOrDefault(back.engine()));
        assertFalse(back.isSet(back.topK()), "a default stays a default");
        assertThrows(IOException.class, () -> predictor.save(saved.toString()));
        predictor.write().overwrite().save(saved.toString());
        assertTrue(Files.isDirectory(saved.resolve("metadata")));
    }

    /** What a saved directory holds (no staging left behind), Hadoop's checksum files aside. */
    private static List<String> entries(Path saved) throws IOException {
        try (Stream<Path> s = Files.list(saved)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .toList();
        }
    }

    /** Each row's path and outputs (not the image bytes), in path order. */
    private static List<String> outputs(Dataset<Row> predicted) {
        return predicted.drop("content", "modificationTime", "length").orderBy("path").collectAsList().stream()
                .map(Row::toString)
                .toList();
    }
}
