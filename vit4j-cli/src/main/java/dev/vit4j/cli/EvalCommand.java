package dev.vit4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.data.BatchLoader;
import dev.vit4j.data.ClassOrder;
import dev.vit4j.data.Dataset;
import dev.vit4j.data.DatasetSpec;
import dev.vit4j.data.Subset;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.io.Json;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.SaliencyInBox;
import dev.vit4j.training.Evaluation;
import dev.vit4j.training.Evaluator;
import dev.vit4j.viz.TrainingPlots;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", description = "Top-1, top-5, loss, per-class accuracy and a confusion-matrix PNG on a dataset.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(
            names = "--data",
            required = true,
            paramLabel = "SPEC",
            description = "Dataset spec; its test split is used (imagenet-val:DIR:LIST as is).")
    String data;

    @Option(names = "--split", defaultValue = "test", description = "test or train.")
    String split;

    @Option(names = "--limit", defaultValue = "0", description = "Evaluate the first N examples only; 0: all.")
    int limit;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "64",
            description = "Examples per forward pass.")
    int batchSize;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "DIR",
            description = "Where confusion_matrix.png, confusion_matrix.csv and eval.json go. Default: none (the"
                    + " scores are printed only).")
    Path output;

    @Option(names = "--json", description = "One JSON object instead of the table.")
    boolean json;

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Option(
            names = "--saliency-box",
            description = "Also score how often the saliency peak falls in the object's box (shapes).")
    boolean saliencyBox;

    @Override
    public Integer call() throws IOException {
        if (output != null) {
            OutputFiles.folder(output, "-o");
        }
        DatasetSpec.Split which =
                switch (split) {
                    case "test" -> DatasetSpec.Split.TEST;
                    case "train" -> DatasetSpec.Split.TRAIN;
                    default -> throw new Vit4jException("--split must be test or train");
                };
        Dataset d = DatasetSpec.open(data, which);
        if (d == null) {
            throw new Vit4jException(data + " has no " + split + " split (a folder needs a val/ sub-folder)");
        }
        d = Subset.limit(d, limit);
        PrintWriter out = spec.commandLine().getOut();
        try (LoadedModel loaded = modelOptions.load(spec.commandLine().getErr());
                dev.vit4j.inference.InferenceEngine engine = engineOptions.open(loaded)) {
            ModelConfig c = loaded.model().config();
            if (d.classes().size() != c.numClasses) {
                throw new Vit4jException(d.describe() + " has " + d.classes().size() + " classes; the model has "
                        + c.numClasses + " outputs");
            }
            ClassOrder order = null;
            if (data.startsWith("folder:")) {
                order = ClassOrder.of(
                        d.classes(),
                        IntStream.range(0, c.numClasses)
                                .mapToObj(loaded.labels()::name)
                                .toList());
                d = order.relabel(d);
                spec.commandLine().getErr().println("vit4j: " + order.describe());
            }
            ModelPipeline pipeline = ModelPipeline.over(loaded, engine);
            Evaluation e;
            try (BatchLoader loader = pipeline.examples(
                            d, batchSize, 2, msg -> spec.commandLine().getErr().println("vit4j: " + msg));
                    Progress progress = Progress.start(spec.commandLine().getErr(), "eval", d.size(), "images")) {
                e = Evaluator.evaluate(pipeline, loader, d, true, progress::stepTo);
                if (loader.skipped() > 0) {
                    spec.commandLine()
                            .getErr()
                            .printf(
                                    Locale.ROOT,
                                    "vit4j: %d of %d images could not be read and were"
                                            + " left out (listed above); the scores are over the other %d%n",
                                    loader.skipped(),
                                    d.size(),
                                    e.count());
                }
            }
            ObjectMapper mapper = Json.mapper();
            ObjectNode o = e.report(c.name, d.describe());
            if (order != null) {
                o.put("class_mapping", order.byModelLabels() ? "model_labels" : "sorted_folder_names");
            }
            if (saliencyBox) {
                o.put(
                        "saliency_peak_in_box",
                        SaliencyInBox.score(ModelPipeline.over(loaded, engine), d, null, batchSize));
            }
            double[] acc = e.perClassAccuracy();
            if (output != null) {
                TrainingPlots.confusionMatrix(
                        c.name + " on " + d.describe(),
                        e.classes(),
                        e.confusion(),
                        output.resolve("confusion_matrix.png"));
                e.writeConfusionCsv(output.resolve("confusion_matrix.csv"));
                dev.vit4j.io.AtomicFiles.writeString(
                        output.resolve("eval.json"),
                        mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            }
            if (json) {
                out.println(mapper.writeValueAsString(o));
            } else {
                // the data's description names its size already; the count is said only when some were left out
                out.printf(
                        Locale.ROOT,
                        "%s on %s: top-1 %.4f  top-5 %.4f  loss %.4f%s%n",
                        c.name,
                        d.describe(),
                        e.top1(),
                        e.top5(),
                        e.loss(),
                        e.count() == d.size() ? "" : "  (" + e.count() + " of " + d.size() + " images read)");
                if (saliencyBox) {
                    out.printf(
                            Locale.ROOT,
                            "saliency peak inside the object's box: %.4f%n",
                            o.get("saliency_peak_in_box").asDouble());
                }
                if (acc.length <= 100) {
                    for (int i = 0; i < acc.length; i++) {
                        out.printf(
                                Locale.ROOT,
                                "  %-24s %s%n",
                                e.classes().get(i),
                                Double.isNaN(acc[i]) ? "no examples" : String.format(Locale.ROOT, "%.4f", acc[i]));
                    }
                }
                if (output != null) {
                    out.println("confusion matrix: " + output.resolve("confusion_matrix.png") + ", "
                            + output.resolve("confusion_matrix.csv"));
                }
            }
        }
        out.flush();
        return 0;
    }
}
