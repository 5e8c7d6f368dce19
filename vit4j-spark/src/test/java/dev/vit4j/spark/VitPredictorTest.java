package dev.vit4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4j;
import dev.vit4j.data.ImageNetValList;
import dev.vit4j.data.ShapesDataset;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.Prediction;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.training.Evaluation;
import dev.vit4j.viz.Png;
import dev.vit4j.weights.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The transformer in a local[2] session over the binaryFile source, against the library on the same bytes. */
class VitPredictorTest extends LocalSparkTest {
    @Test
    void predictionsEqualTheLibraryAndABadImageIsAnErrorRow() throws IOException {
        Dataset<Row> files =
                spark.read().format("binaryFile").load(images.toString()).repartition(2);
        List<Row> rows = new VitPredictor()
                .setModel(model.toString())
                .setTopK(3)
                .setBatchSize(4)
                .setOutputCols(
                        VitPredictor.TOP_INDICES,
                        VitPredictor.TOP_LABELS,
                        VitPredictor.TOP_PROBABILITIES,
                        VitPredictor.EMBEDDING,
                        VitPredictor.SALIENCY)
                .transform(files)
                .collectAsList();
        assertEquals(11, rows.size());
        int checked = 0;
        try (Vit4j library =
                Vit4j.load(model.toString(), Vit4j.Options.defaults().withThreads(1))) {
            for (Row r : rows) {
                String path = r.getAs("path");
                if (path.endsWith("broken.png")) {
                    assertTrue(((String) r.getAs(VitPredictor.ERROR)).contains("not a recognised image"), path);
                    assertNull(r.getAs(VitPredictor.TOP_INDICES));
                    continue;
                }
                assertNull(r.getAs(VitPredictor.ERROR), path);
                byte[] bytes = Files.readAllBytes(Path.of(java.net.URI.create(path)));
                List<Prediction> want = library.predict(bytes, 3);
                List<Integer> indices = r.getList(r.fieldIndex(VitPredictor.TOP_INDICES));
                List<String> labels = r.getList(r.fieldIndex(VitPredictor.TOP_LABELS));
                List<Double> probabilities = r.getList(r.fieldIndex(VitPredictor.TOP_PROBABILITIES));
                for (int i = 0; i < 3; i++) {
                    assertEquals(want.get(i).index(), indices.get(i), path);
                    assertEquals(want.get(i).label(), labels.get(i));
                    assertEquals(want.get(i).probability(), probabilities.get(i), 1e-6);
                }
                float[] embedding = library.embed(bytes);
                List<Float> got = r.getList(r.fieldIndex(VitPredictor.EMBEDDING));
                for (int i = 0; i < embedding.length; i++) {
                    assertEquals(embedding[i], got.get(i), 1e-5);
                }
                assertEquals(64, r.getList(r.fieldIndex(VitPredictor.SALIENCY)).size(), "an 8 × 8 grid");
                checked++;
            }
        }
        assertEquals(10, checked);
    }

    /** embeddingOutput "head" with normalizeEmbedding: the library's normalised head outputs, row for row. */
    @Test
    void theEmbeddingColumnCanBeTheNormalisedHeadOutput() throws IOException {
        Dataset<Row> files = spark.read().format("binaryFile").load(images.toString());
        List<Row> rows = new VitPredictor()
                .setModel(model.toString())
                .setOutputCols(VitPredictor.EMBEDDING)
                .setEmbeddingOutput("head")
                .setNormalizeEmbedding(true)
                .transform(files)
                .collectAsList();
        Embedding head = new Embedding(Embedding.Output.HEAD, true);
        int checked = 0;
        try (Vit4j library =
                Vit4j.load(model.toString(), Vit4j.Options.defaults().withThreads(1))) {
            for (Row r : rows) {
                String path = r.getAs("path");
                if (r.getAs(VitPredictor.ERROR) != null) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(Path.of(java.net.URI.create(path)));
                float[] want = library.embedAll(List.of(bytes), head).get(0);
                List<Float> got = r.getList(r.fieldIndex(VitPredictor.EMBEDDING));
                assertEquals(want.length, got.size());
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got.get(i), 1e-6, path);
                }
                checked++;
            }
        }
        assertEquals(10, checked);
        assertThrows(Exception.class, () -> new VitPredictor().setEmbeddingOutput("logits"));
    }

    @Test
    void failOnErrorFailsTheJobAndBadSettingsAreRefused() {
        Dataset<Row> files = spark.read().format("binaryFile").load(images.toString());
        Exception e = assertThrows(Exception.class, () -> new VitPredictor()
                .setModel(model.toString())
                .setFailOnError(true)
                .transform(files)
                .collectAsList());
        assertTrue(String.valueOf(e.getMessage()).contains("not a recognised image"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VitPredictor().transform(files));
        assertThrows(IllegalArgumentException.class, () -> new VitPredictor()
                .setModel(model.toString())
                .setInputCol("path")
                .transform(files));
        assertThrows(IllegalArgumentException.class, () -> new VitPredictor()
                .setModel(model.toString())
                .setOutputCols("everything")
                .transform(files));
        assertNotNull(new VitPredictor()
                .setModel("x")
                .copy(new org.apache.spark.ml.param.ParamMap())
                .uid());
    }

    @Test
    void thePredictAndEmbedJobsWriteParquetThatEqualsTheTransformer() {
        Path out = dir.resolve("predictions.parquet");
        assertEquals(
                0,
                new picocli.CommandLine(new Main())
                        .execute(
                                "predict",
                                "-m",
                                model.toString(),
                                "-i",
                                images.toString(),
                                "-o",
                                out.toString(),
                                "-k",
                                "2",
                                "--with",
                                "embedding",
                                "--partitions",
                                "3"));
        List<Row> rows = spark.read().parquet(out.toString()).orderBy("path").collectAsList();
        List<Row> direct = new VitPredictor()
                .setModel(model.toString())
                .setTopK(2)
                .transform(spark.read().format("binaryFile").load(images.toString()))
                .orderBy("path")
                .collectAsList();
        assertEquals(11, rows.size());
        assertEquals(
                List.of("path", "top_indices", "top_labels", "top_probabilities", "embedding", "error"),
                List.of(rows.get(0).schema().fieldNames()));
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(direct.get(i).<String>getAs("path"), rows.get(i).<String>getAs("path"));
            assertEquals(String.valueOf((Object) direct.get(i).getAs(VitPredictor.TOP_INDICES)), String.valueOf((Object)
                    rows.get(i).getAs(VitPredictor.TOP_INDICES)));
            assertEquals(
                    (Object) direct.get(i).getAs(VitPredictor.ERROR),
                    rows.get(i).getAs(VitPredictor.ERROR));
        }
        // Run again into the same place: replaced, not appended.
        assertEquals(
                0,
                new picocli.CommandLine(new Main())
                        .execute("embed", "-m", model.toString(), "-i", images.toString(), "-o", out.toString()));
        Dataset<Row> embedded = spark.read().parquet(out.toString());
        assertEquals(11, embedded.count());
        assertEquals(
                List.of("path", "embedding", "error"), List.of(embedded.schema().fieldNames()));
    }

    @Test
    void evalOnSparkEqualsVit4jEval() throws IOException {
        Path root = dir.resolve("folder");
        ShapesDataset shapes = new ShapesDataset(32, 200, 9, "spark-eval");
        for (int i = 0; i < 60; i++) {
            var e = shapes.get(i);
            Path classDir = Files.createDirectories(root.resolve("val").resolve(ShapesDataset.CLASSES.get(e.label())));
            Files.write(classDir.resolve("img_" + i + ".png"), Png.encode(e.toImage()));
            Files.createDirectories(root.resolve("train").resolve(ShapesDataset.CLASSES.get(e.label())));
        }
        Files.writeString(root.resolve("val/circle/broken.png"), "not an image");
        assertSparkEvalEqualsVit4jEval(
                model, "folder:" + root, 1, "-i", root.resolve("val").toString());
    }

    @Test
    void evalOverAnImageNetListEqualsVit4jEval() throws IOException {
        // A 1000-class model (random weights: the shapes CaiT's architecture with an ImageNet-size head).
        ModelConfig config = Configs.read(model.resolve("config.json"));
        config.numClasses = ImageNetValList.CLASSES;
        config.labels = null;
        Path imagenetModel = Files.createDirectories(dir.resolve("cait_1000"));
        try (LoadedModel random = LoadedModel.initialized(config, 11)) {
            SafeTensorsWriter.write(
                    imagenetModel.resolve("model.safetensors"),
                    WeightLoader.stateDict(random.model()),
                    java.util.Map.of("format", "pt"));
        }
        Files.writeString(imagenetModel.resolve("config.json"), Configs.toJson(config));
        Path root = Files.createDirectories(dir.resolve("imagenet-val"));
        List<String> lines = new java.util.ArrayList<>();
        ShapesDataset shapes = new ShapesDataset(32, 100, 13, "spark-list");
        try (Vit4j library =
                Vit4j.load(imagenetModel.toString(), Vit4j.Options.defaults().withThreads(1))) {
            for (int i = 0; i < 24; i++) {
                String name = (i % 3 == 0 ? "n0144/" : "") + "val_" + i + ".png";
                byte[] png = Png.encode(shapes.get(i).toImage());
                Files.createDirectories(root.resolve(name).getParent());
                Files.write(root.resolve(name), png);
                // Half the labels are the model's own top-1 (so that top-1 is 50 %), half anything else.
                int top = library.predict(png, 1).get(0).index();
                lines.add(name + " " + (i % 2 == 0 ? top : (top + 1 + i) % ImageNetValList.CLASSES));
            }
        }
        Files.writeString(root.resolve("broken.png"), "not an image");
        Files.writeString(root.resolve("not_listed.png"), "never read");
        lines.add("broken.png 3");
        lines.add("missing.png 4");
        lines.add("");
        Path list = Files.write(dir.resolve("val_list.txt"), lines);
        assertSparkEvalEqualsVit4jEval(
                imagenetModel,
                "imagenet-val:" + root + ":" + list,
                2,
                "-i",
                root.toString(),
                "--list",
                list.toString());
    }

    /** Spark's eval job and vit4j eval's code on the same data: the same report, the same confusion CSV. */
    private static void assertSparkEvalEqualsVit4jEval(Path modelDir, String dataSpec, int unreadable, String... input)
            throws IOException {
        Evaluation want;
        try (var loaded = LoadedModel.load((String) null, modelDir);
                var engine = EngineType.ONNX.create(loaded, 1)) {
            var d = dev.vit4j.data.DatasetSpec.open(dataSpec, dev.vit4j.data.DatasetSpec.Split.TEST);
            var pipeline = dev.vit4j.inference.ModelPipeline.over(loaded, engine);
            try (var loader = pipeline.examples(d, 8, 1, msg -> {})) {
                want = dev.vit4j.training.Evaluator.evaluate(pipeline, loader, d, true);
            }
        }
        Path report = Files.createTempDirectory(dir, "report");
        List<String> args = new java.util.ArrayList<>(List.of(
                "eval",
                "-m",
                modelDir.toString(),
                "-o",
                report.resolve("scores.parquet").toString(),
                "--report",
                report.toString(),
                "--partitions",
                "3"));
        args.addAll(List.of(input));
        assertEquals(0, new picocli.CommandLine(new Main()).execute(args.toArray(String[]::new)));
        var got = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .build()
                .readTree(report.resolve("eval.json").toFile());
        assertEquals(want.count(), got.get("images").asInt());
        assertEquals(unreadable, got.get("unreadable_images").asInt());
        assertEquals(want.top1(), got.get("top1").asDouble(), 0);
        assertEquals(want.top5(), got.get("top5").asDouble(), 0);
        assertEquals(want.loss(), got.get("loss").asDouble(), 1e-9);
        double[] perClass = want.perClassAccuracy();
        for (int c = 0; c < perClass.length; c++) {
            JsonNode classAccuracy =
                    got.get("per_class_accuracy").get(want.classes().get(c));
            if (Double.isNaN(perClass[c])) {
                assertTrue(classAccuracy == null || classAccuracy.isNull() || Double.isNaN(classAccuracy.asDouble()));
            } else {
                assertEquals(perClass[c], classAccuracy.asDouble(), 0);
            }
        }
        Path csv = report.resolve("want.csv");
        want.writeConfusionCsv(csv);
        assertEquals(Files.readString(csv), Files.readString(report.resolve("confusion_matrix.csv")));
        assertTrue(Files.size(report.resolve("confusion_matrix.png")) > 0);
    }

    @Test
    void madOnSparkEqualsVit4jMad() throws IOException {
        Path good = Files.createDirectories(dir.resolve("good"));
        List<Path> files = new java.util.ArrayList<>();
        ShapesDataset shapes = new ShapesDataset(32, 100, 5, "spark-test");
        for (int i = 0; i < 10; i++) {
            files.add(Files.write(
                    good.resolve("s" + i + ".png"), Png.encode(shapes.get(i).toImage())));
        }
        dev.vit4j.probing.MeanAttentionDistance want;
        try (var loaded = dev.vit4j.inference.LoadedModel.load((String) null, model);
                var engine = EngineType.ONNX.create(loaded, 1)) {
            var c = loaded.model().config();
            want = new dev.vit4j.probing.MeanAttentionDistance(c.gridHeight(), c.gridWidth(), c.patchSize);
            for (var r : dev.vit4j.probing.AttentionProbe.run(loaded, engine, files)) {
                want.add(r.attention());
            }
        }
        Path report = dir.resolve("mad-report");
        assertEquals(
                0,
                new picocli.CommandLine(new Main())
                        .execute(
                                "mad",
                                "-m",
                                model.toString(),
                                "-i",
                                good.toString(),
                                "-o",
                                report.toString(),
                                "--partitions",
                                "3"));
        List<String> lines = Files.readAllLines(report.resolve("mad.csv"));
        List<String> expected = want.csv().lines().toList();
        assertEquals(expected.size(), lines.size());
        assertEquals(expected.get(0), lines.get(0));
        for (int i = 1; i < lines.size(); i++) {
            String[] w = expected.get(i).split(",");
            String[] g = lines.get(i).split(",");
            assertEquals(w[0] + "," + w[1], g[0] + "," + g[1], "same block and head order");
            assertEquals(Double.parseDouble(w[2]), Double.parseDouble(g[2]), 1.01e-6);
        }
        double[] first = want.means().values().iterator().next();
        assertTrue(first.length > 0 && Files.size(report.resolve("mad.png")) > 0);
    }

    @Test
    void aTaskThatDiesOnceIsRetriedAndTheParquetIsTheSame() throws IOException {
        Dataset<Row> predicted = new VitPredictor()
                .setModel(model.toString())
                .setTopK(3)
                .transform(spark.read()
                        .format("binaryFile")
                        .load(images.toString())
                        .repartition(3));
        List<String> outputs =
                List.of(VitPredictor.TOP_INDICES, VitPredictor.TOP_LABELS, VitPredictor.TOP_PROBABILITIES);
        Main.JobOptions job = new Main.JobOptions();
        job.output = dir.resolve("clean.parquet").toString();
        job.write(predicted, outputs);
        Dataset<Row> flaky =
                predicted.mapPartitions(new DiesOnce(), org.apache.spark.sql.Encoders.row(predicted.schema()));
        job.output = dir.resolve("retried.parquet").toString();
        job.write(flaky, outputs);
        List<String> clean =
                spark.read().parquet(dir.resolve("clean.parquet").toString()).orderBy("path").collectAsList().stream()
                        .map(Row::toString)
                        .toList();
        List<String> retried = spark.read().parquet(job.output).orderBy("path").collectAsList().stream()
                .map(Row::toString)
                .toList();
        assertEquals(11, clean.size());
        assertEquals(clean, retried);
        try (var left = Files.list(Path.of(job.output))) {
            assertTrue(
                    left.map(p -> p.getFileName().toString())
                            .allMatch(n -> n.startsWith("part-")
                                    || n.startsWith(".part-")
                                    || n.equals("_SUCCESS")
                                    || n.equals("._SUCCESS.crc")),
                    "only committed files");
        }
    }

    /** The first attempt of partition 1 dies after its first row has gone on to the Parquet writer. */
    static final class DiesOnce implements org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row> {
        @Override
        public java.util.Iterator<Row> call(java.util.Iterator<Row> rows) {
            org.apache.spark.TaskContext t = org.apache.spark.TaskContext.get();
            if (t.partitionId() != 1 || t.attemptNumber() > 0) {
                return rows;
            }
            Row first = rows.next();
            return new java.util.Iterator<>() {
                private boolean given;

                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public Row next() {
                    if (!given) {
                        given = true;
                        return first;
                    }
                    throw new IllegalStateException("injected executor failure");
                }
            };
        }
    }
}
