package dev.vit4j.spark;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.DatasetSpec;
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
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code vit4j eval} on Spark: each image's label is its class folder (sorted names, as torchvision's ImageFolder and
 * {@code vit4j eval}'s {@code folder:} data), each is scored on the executors ({@link ExampleScore}, the same
 * arithmetic as {@code vit4j eval}), and only the sums and the confusion counts come back to the driver.
 */
final class DistributedEvaluation {
    private static final StructType SCORES = new StructType().add("path", DataTypes.StringType)
            .add("label", DataTypes.IntegerType).add("prediction", DataTypes.IntegerType)
            .add("top1", DataTypes.IntegerType).add("top5", DataTypes.IntegerType).add("loss", DataTypes.DoubleType)
            .add(VitPredictor.ERROR, DataTypes.StringType);

    private final Evaluation evaluation;
    private final long unreadable;
    private final String data;

    private DistributedEvaluation(Evaluation evaluation, long unreadable, String data) {
        this.evaluation = evaluation;
        this.unreadable = unreadable;
        this.data = data;
    }

    static DistributedEvaluation run(SparkSession spark, VitPredictor predictor, Dataset<Row> files, String input,
            String scoresOutput) throws IOException {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(input);
        FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        List<String> classes = new ArrayList<>();
        for (FileStatus s : fs.listStatus(root)) {
            if (s.isDirectory()) {
                classes.add(s.getPath().getName());
            }
        }
        classes.sort(null);
        if (classes.isEmpty()) {
            throw new Vit4jException(input + " has no class sub-folders");
        }
        String prefix = fs.makeQualified(root).toString().replaceAll("/+$", "") + "/";
        List<String> names = List.copyOf(classes);
        int pathAt = files.schema().fieldIndex("path");
        Dataset<Row> images = files.filter((FilterFunction<Row>) r -> DatasetSpec.looksLikeImage(
                java.nio.file.Path.of(new org.apache.hadoop.fs.Path(r.getString(pathAt)).getName())));
        Dataset<Row> predicted = predictor.setOutputCols(VitPredictor.LOGITS).transform(images);
        // By position: rows coming straight from the transformer's partitions carry no schema.
        StructType p = predicted.schema();
        int[] at = {p.fieldIndex("path"), p.fieldIndex(VitPredictor.LOGITS), p.fieldIndex(VitPredictor.ERROR)};
        Dataset<Row> scores = predicted.map((MapFunction<Row, Row>) r -> score(r, at, prefix, names), Encoders.row(SCORES))
                .filter(functions.col("label").geq(0));
        scores.write().mode(SaveMode.Overwrite).parquet(scoresOutput);
        Dataset<Row> written = spark.read().parquet(scoresOutput);
        Dataset<Row> good = written.filter(functions.col(VitPredictor.ERROR).isNull());
        Row sums = good.agg(functions.count(functions.lit(1)), functions.sum("top1"), functions.sum("top5"),
                functions.sum("loss")).first();
        long count = sums.getLong(0);
        if (count == 0) {
            throw new Vit4jException("no readable images under " + input);
        }
        long[][] confusion = new long[names.size()][names.size()];
        for (Row r : good.groupBy("label", "prediction").count().collectAsList()) {
            confusion[r.getInt(0)][r.getInt(1)] = r.getLong(2);
        }
        long unreadable = written.filter(functions.col(VitPredictor.ERROR).isNotNull()).count();
        Evaluation e = new Evaluation(sums.getDouble(3) / count, (double) sums.getLong(1) / count,
                (double) sums.getLong(2) / count, (int) count, names, confusion);
        return new DistributedEvaluation(e, unreadable, "folder " + input);
    }

    /** One image: its class from its folder (-1 outside a class folder), its score, or its error. */
    private static Row score(Row r, int[] at, String prefix, List<String> classes) {
        String path = r.getString(at[0]);
        int label = -1;
        if (path.startsWith(prefix)) {
            String rest = path.substring(prefix.length());
            int slash = rest.indexOf('/');
            label = slash > 0 ? classes.indexOf(rest.substring(0, slash)) : -1;
        }
        String error = r.getString(at[2]);
        if (error != null || label < 0) {
            return RowFactory.create(path, label, null, null, null, null, error);
        }
        List<Float> logits = r.getList(at[1]);
        float[] row = new float[logits.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = logits.get(i);
        }
        if (label >= row.length) {
            throw new Vit4jException(classes.size() + " class folders, but the model has " + row.length + " outputs");
        }
        ExampleScore s = ExampleScore.of(row, label);
        return RowFactory.create(path, label, s.argmax(), s.top1() ? 1 : 0, s.top5() ? 1 : 0, s.loss(), null);
    }

    void writeReport(java.nio.file.Path dir, String model) throws IOException {
        Files.createDirectories(dir);
        dev.vit4j.io.AtomicFiles.writeString(dir.resolve("eval.json"),
                evaluation.report(model, data).put("unreadable_images", unreadable).toPrettyString());
        evaluation.writeConfusionCsv(dir.resolve("confusion_matrix.csv"));
        TrainingPlots.confusionMatrix(model + " on " + data, evaluation.classes(), evaluation.confusion(),
                dir.resolve("confusion_matrix.png"));
    }

    String summary(String model) {
        return String.format(Locale.ROOT, "%s on %s: top-1 %.4f  top-5 %.4f  loss %.4f  (%d images%s)", model, data,
                evaluation.top1(), evaluation.top5(), evaluation.loss(), evaluation.count(),
                unreadable > 0 ? ", " + unreadable + " unreadable left out" : "") + "\n" + Arrays.toString(
                evaluation.perClassAccuracy());
    }
}
