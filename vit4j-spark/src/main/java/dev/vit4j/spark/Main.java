package dev.vit4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class dev.vit4j.spark.Main vit4j-spark.jar predict|embed|eval|mad …}: vit4j over a folder of images on
 * a Spark cluster, read with the {@code binaryFile} source, written as Parquet (path, outputs, error). Parquet is
 * written through Spark's commit protocol, so a task that fails and is retried leaves no partial output behind.
 */
@Command(
        name = "vit4j-spark",
        mixinStandardHelpOptions = true,
        subcommands = {Main.Predict.class, Main.Embed.class, Main.Eval.class, Main.Mad.class},
        description = "vit4j on Apache Spark: predict, embed and evaluate images at scale.")
public final class Main implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Options every job shares. */
    static class JobOptions {
        @Option(
                names = {"-m", "--model"},
                required = true,
                description = "A Hub name (timm/NAME.TAG), an architecture "
                        + "with pretrained weights, or a model directory (shipped to the executors).")
        String model;

        @Option(
                names = {"-i", "--input"},
                required = true,
                description = "Images: a folder (read recursively) or a glob.")
        String input;

        @Option(
                names = {"-o", "--output"},
                required = true,
                description = "Parquet output directory (replaced).")
        String output;

        @Option(
                names = {"-b", "--batch-size"},
                defaultValue = "16",
                description = "Images per engine run within a partition. Default: ${DEFAULT-VALUE}.")
        int batchSize;

        @Option(
                names = "--partitions",
                defaultValue = "0",
                description = "Tasks over the images (0: as read; fewer "
                        + "than read are merged without moving the bytes, more are a shuffle).")
        int partitions;

        @Option(
                names = "--engine",
                defaultValue = "onnx",
                description = "onnx (vit4j's ONNX export on ONNX Runtime), onnx-int8 (the same with int8 weights and"
                        + " activations) or torch (DJL + PyTorch). Default: ${DEFAULT-VALUE}.")
        String engine;

        @Option(names = "--fail-on-error", description = "Fail the job on an unreadable image (default: an error row).")
        boolean failOnError;

        Dataset<Row> images(SparkSession spark) {
            Dataset<Row> files = spark.read()
                    .format("binaryFile")
                    .option("recursiveFileLookup", "true")
                    .load(input);
            if (partitions <= 0) {
                return files;
            }
            // Merging read partitions keeps each image's bytes in the task that read them; only spreading out needs a
            // shuffle of the bytes.
            return partitions < files.rdd().getNumPartitions()
                    ? files.coalesce(partitions)
                    : files.repartition(partitions);
        }

        VitPredictor predictor() {
            return new VitPredictor()
                    .setModel(model)
                    .setBatchSize(batchSize)
                    .setEngine(engine)
                    .setFailOnError(failOnError);
        }

        void write(Dataset<Row> out, List<String> outputs) {
            List<Column> columns = new ArrayList<>(List.of(functions.col("path")));
            for (String o : outputs) {
                columns.add(functions.col(o));
            }
            columns.add(functions.col(VitPredictor.ERROR));
            out.select(columns.toArray(Column[]::new))
                    .write()
                    .mode(SaveMode.Overwrite)
                    .parquet(output);
        }
    }

    @Command(
            name = "predict",
            mixinStandardHelpOptions = true,
            description = "Top-k classes per image (+ logits, " + "embedding, saliency on request) → Parquet.")
    static final class Predict extends JobOptions implements Callable<Integer> {
        @Option(
                names = {"-k", "--top-k"},
                defaultValue = "5",
                description = "Classes per image. Default: ${DEFAULT-VALUE}.")
        int k;

        @Option(names = "--with", split = ",", description = "Extra outputs: logits, embedding, saliency.")
        List<String> extra = new ArrayList<>();

        @Override
        public Integer call() {
            SparkSession spark = SparkSession.builder().appName("vit4j predict").getOrCreate();
            List<String> outputs = new ArrayList<>(
                    List.of(VitPredictor.TOP_INDICES, VitPredictor.TOP_LABELS, VitPredictor.TOP_PROBABILITIES));
            outputs.addAll(extra);
            write(
                    predictor()
                            .setTopK(k)
                            .setOutputCols(outputs.toArray(String[]::new))
                            .transform(images(spark)),
                    outputs);
            return 0;
        }
    }

    @Command(
            name = "embed",
            mixinStandardHelpOptions = true,
            description = "timm's pre-logits features per image → Parquet.")
    static final class Embed extends JobOptions implements Callable<Integer> {
        @Override
        public Integer call() {
            SparkSession spark = SparkSession.builder().appName("vit4j embed").getOrCreate();
            write(
                    predictor().setOutputCols(VitPredictor.EMBEDDING).transform(images(spark)),
                    List.of(VitPredictor.EMBEDDING));
            return 0;
        }
    }

    @Command(
            name = "eval",
            mixinStandardHelpOptions = true,
            description = {
                "What `vit4j eval` gives (top-1, top-5, loss, per-class accuracy, confusion matrix CSV and PNG) over a folder",
                "with a sub-folder per class, or over the images of an ImageNet-style list (--list), summed by Spark; the",
                "per-image scores go to --output as Parquet."
            })
    static final class Eval extends JobOptions implements Callable<Integer> {
        @Option(
                names = "--report",
                required = true,
                description = "Local directory for eval.json, confusion_matrix.csv " + "and confusion_matrix.png.")
        java.nio.file.Path report;

        @Option(
                names = "--list",
                description =
                        "Label the images by this list instead of class folders: "
                                + "'relative/path label' lines, paths under -i, ImageNet-1k labels (vit4j eval's imagenet-val:DIR:LIST).")
        String list;

        @Override
        public Integer call() throws java.io.IOException {
            SparkSession spark = SparkSession.builder().appName("vit4j eval").getOrCreate();
            DistributedEvaluation e = DistributedEvaluation.run(spark, predictor(), images(spark), input, list, output);
            e.writeReport(report, model);
            System.out.println(e.summary(model));
            return 0;
        }
    }

    @Command(
            name = "mad",
            mixinStandardHelpOptions = true,
            description = {
                "Mean attention distance per block and head over every image, as `vit4j mad`: each image's distances on",
                "the executors, summed by Spark; -o is a local directory for mad.csv and mad.png."
            })
    static final class Mad extends JobOptions implements Callable<Integer> {
        @Override
        public Integer call() throws java.io.IOException {
            SparkSession spark = SparkSession.builder().appName("vit4j mad").getOrCreate();
            var mad = DistributedMad.run(predictor(), images(spark));
            java.nio.file.Path dir = java.nio.file.Path.of(output);
            java.nio.file.Files.createDirectories(dir);
            dev.vit4j.viz.MadPlot.writeReport(dir, model, mad);
            System.out.println("mean attention distance of " + mad.means().size() + " blocks over " + mad.images()
                    + " image(s): " + dir.resolve("mad.csv") + ", " + dir.resolve("mad.png"));
            return 0;
        }
    }
}
