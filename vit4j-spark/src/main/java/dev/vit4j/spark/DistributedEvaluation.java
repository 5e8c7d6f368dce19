package dev.vit4j.spark;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.DatasetSpec;
import dev.vit4j.data.ImageNetValList;
import dev.vit4j.training.Evaluation;
import dev.vit4j.training.ExampleScore;
import dev.vit4j.viz.TrainingPlots;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code vit4j eval} on Spark: each image's label is its class folder (sorted names, as torchvision's ImageFolder and
 * {@code vit4j eval}'s {@code folder:} data) or its line in an ImageNet-style list ({@code imagenet-val:}); each is
 * scored on the executors ({@link ExampleScore}, the same arithmetic as {@code vit4j eval}), and only the sums and the
 * confusion counts come back to the driver.
 */
final class DistributedEvaluation {
    private static final StructType SCORES = new StructType()
            .add("path", DataTypes.StringType)
            .add("label", DataTypes.IntegerType)
            .add("prediction", DataTypes.IntegerType)
            .add("top1", DataTypes.IntegerType)
            .add("top5", DataTypes.IntegerType)
            .add("loss", DataTypes.DoubleType)
            .add(VitPredictor.ERROR, DataTypes.StringType);
    private static final StructType LIST =
            new StructType().add("path", DataTypes.StringType).add("label", DataTypes.IntegerType);

    private final Evaluation evaluation;
    private final long unreadable;
    private final String data;

    private DistributedEvaluation(Evaluation evaluation, long unreadable, String data) {
        this.evaluation = evaluation;
        this.unreadable = unreadable;
        this.data = data;
    }

    /**
     * Scores every image under {@code input}: labelled by its class folder, or, with {@code list} (an ImageNet-style
     * {@code relative/path label} file, on any Hadoop file system), by the list, whose images that are missing count
     * as unreadable, as in {@code vit4j eval --data imagenet-val:DIR:LIST}.
     */
    static DistributedEvaluation run(
            SparkSession spark,
            VitPredictor predictor,
            Dataset<Row> files,
            String input,
            String list,
            String scoresOutput)
            throws IOException {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(input);
        FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        String prefix = fs.makeQualified(root).toString().replaceAll("/+$", "") + "/";
        List<String> names;
        Dataset<Row> labelled;
        long listed = -1;
        String data;
        if (list == null) {
            names = classFolders(fs, root);
            labelled = byFolder(files, prefix, names);
            data = "folder " + input;
        } else {
            ImageNetValList entries = readList(spark, list);
            names = ImageNetValList.classes();
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < entries.paths().size(); i++) {
                rows.add(RowFactory.create(prefix + entries.paths().get(i), entries.labels()[i]));
            }
            // Broadcast, whatever its size: the alternative shuffles every image's bytes to meet its label.
            labelled = files.join(functions.broadcast(spark.createDataFrame(rows, LIST)), "path");
            listed = rows.size();
            data = "imagenet-val " + new org.apache.hadoop.fs.Path(list).getName();
        }
        Dataset<Row> predicted = predictor.setOutputCols(VitPredictor.LOGITS).transform(labelled);
        // By position: rows coming straight from the transformer's partitions carry no schema.
        StructType p = predicted.schema();
        int[] at = {
            p.fieldIndex("path"),
            p.fieldIndex("label"),
            p.fieldIndex(VitPredictor.LOGITS),
            p.fieldIndex(VitPredictor.ERROR)
        };
        int classes = names.size();
        Dataset<Row> scores = predicted.map((MapFunction<Row, Row>) r -> score(r, at, classes), Encoders.row(SCORES));
        scores.write().mode(SaveMode.Overwrite).parquet(scoresOutput);
        Dataset<Row> written = spark.read().parquet(scoresOutput);
        Dataset<Row> good = written.filter(functions.col(VitPredictor.ERROR).isNull());
        Row sums = good.agg(
                        functions.count(functions.lit(1)),
                        functions.sum("top1"),
                        functions.sum("top5"),
                        functions.sum("loss"))
                .first();
        long count = sums.getLong(0);
        if (count == 0) {
            throw new Vit4jException("no readable images under " + input);
        }
        long[][] confusion = new long[classes][classes];
        for (Row r : good.groupBy("label", "prediction").count().collectAsList()) {
            confusion[r.getInt(0)][r.getInt(1)] = r.getLong(2);
        }
        long unreadable =
                written.filter(functions.col(VitPredictor.ERROR).isNotNull()).count();
        if (listed >= 0) {
            unreadable += listed - written.count(); // listed, but not under input
        }
        Evaluation e = new Evaluation(
                sums.getDouble(3) / count,
                (double) sums.getLong(1) / count,
                (double) sums.getLong(2) / count,
                (int) count,
                names,
                confusion);
        return new DistributedEvaluation(e, unreadable, data);
    }

    /** The class folders' names, sorted (their label order). */
    private static List<String> classFolders(FileSystem fs, org.apache.hadoop.fs.Path root) throws IOException {
        List<String> classes = new ArrayList<>();
        for (FileStatus s : fs.listStatus(root)) {
            if (s.isDirectory()) {
                classes.add(s.getPath().getName());
            }
        }
        classes.sort(null);
        if (classes.isEmpty()) {
            throw new Vit4jException(root + " has no class sub-folders");
        }
        return List.copyOf(classes);
    }

    /** The images inside class folders, each with its folder's label (files elsewhere are not scored). */
    private static Dataset<Row> byFolder(Dataset<Row> files, String prefix, List<String> classes) {
        UserDefinedFunction labelOf = functions.udf(
                (UDF1<String, Integer>) path -> {
                    if (!path.startsWith(prefix)) {
                        return -1;
                    }
                    String rest = path.substring(prefix.length());
                    int slash = rest.indexOf('/');
                    return slash > 0 ? classes.indexOf(rest.substring(0, slash)) : -1;
                },
                DataTypes.IntegerType);
        int pathAt = files.schema().fieldIndex("path");
        return files.filter((FilterFunction<Row>) r -> DatasetSpec.looksLikeImage(
                        java.nio.file.Path.of(new org.apache.hadoop.fs.Path(r.getString(pathAt)).getName())))
                .withColumn("label", labelOf.apply(functions.col("path")))
                .filter(functions.col("label").geq(0));
    }

    private static ImageNetValList readList(SparkSession spark, String list) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(list);
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!fs.isFile(path)) {
            throw new Vit4jException("validation list not found: " + list);
        }
        try (var in = new java.io.BufferedReader(
                new java.io.InputStreamReader(fs.open(path), java.nio.charset.StandardCharsets.UTF_8))) {
            return ImageNetValList.parse(in.lines().toList(), list);
        }
    }

    /** One image: its label, its score, or its error. */
    private static Row score(Row r, int[] at, int classes) {
        String path = r.getString(at[0]);
        int label = r.getInt(at[1]);
        String error = r.getString(at[3]);
        if (error != null) {
            return RowFactory.create(path, label, null, null, null, null, error);
        }
        List<Float> logits = r.getList(at[2]);
        if (logits.size() != classes) {
            throw new Vit4jException(classes + " classes, but the model has " + logits.size() + " outputs");
        }
        float[] row = new float[logits.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = logits.get(i);
        }
        ExampleScore s = ExampleScore.of(row, label);
        return RowFactory.create(path, label, s.argmax(), s.top1() ? 1 : 0, s.top5() ? 1 : 0, s.loss(), null);
    }

    void writeReport(java.nio.file.Path dir, String model) throws IOException {
        Files.createDirectories(dir);
        dev.vit4j.io.AtomicFiles.writeString(
                dir.resolve("eval.json"),
                evaluation
                        .report(model, data)
                        .put("unreadable_images", unreadable)
                        .toPrettyString());
        evaluation.writeConfusionCsv(dir.resolve("confusion_matrix.csv"));
        TrainingPlots.confusionMatrix(
                model + " on " + data,
                evaluation.classes(),
                evaluation.confusion(),
                dir.resolve("confusion_matrix.png"));
    }

    String summary(String model) {
        return String.format(
                        Locale.ROOT,
                        "%s on %s: top-1 %.4f  top-5 %.4f  loss %.4f  (%d images%s)",
                        model,
                        data,
                        evaluation.top1(),
                        evaluation.top5(),
                        evaluation.loss(),
                        evaluation.count(),
                        unreadable > 0 ? ", " + unreadable + " unreadable left out" : "")
                + "\n" + Arrays.toString(evaluation.perClassAccuracy());
    }
}
