package dev.vit4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Labels;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.Prediction;
import dev.vit4j.io.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", description = "Top-k classes of each image (timm's eval preprocessing, batched).")
final class PredictCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(
            names = {"-k", "--top-k"},
            defaultValue = "5",
            description = "How many classes per image.")
    int k;

    @Option(names = "--json", description = "One JSON object per image per line.")
    boolean json;

    @Option(
            names = "--labels",
            paramLabel = "FILE",
            description = "Class names: one per line, or a TSV whose last column is the name. Default: the model's"
                    + " (ImageNet's for 1 000 or 21 843 classes, else the class numbers).")
    Path labelsFile;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "32",
            description = "Images per forward pass.")
    int batchSize;

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Parameters(
            arity = "1..*",
            paramLabel = "IMAGE|DIR",
            description = "PNG, JPEG, BMP, GIF, WebP or TIFF files, or folders searched for them (recursively, in name"
                    + " order).")
    List<Path> images;

    @Override
    public Integer call() throws java.io.IOException {
        if (k < 1) {
            throw new Vit4jException("-k must be at least 1");
        }
        if (batchSize < 1) {
            throw new Vit4jException("--batch-size must be at least 1");
        }
        var out = spec.commandLine().getOut();
        ObjectMapper mapper = Json.mapper();
        int status;
        try (ModelPipeline pipeline =
                engineOptions.pipeline(modelOptions.load(spec.commandLine().getErr()))) {
            pipeline.requireClassifier();
            Labels labels = labelsFile == null ? pipeline.labels() : Labels.read(labelsFile);
            status = ImageBatches.run(
                    spec.commandLine().getErr(), pipeline, images, batchSize, false, "predict", (image, outcome) -> {
                        List<Prediction> top =
                                ModelPipeline.topK(outcome.outputs().logits(), k, labels);
                        if (json) {
                            ObjectNode o = mapper.createObjectNode();
                            o.put("image", image.toString());
                            putPredictions(o, top);
                            out.println(mapper.writeValueAsString(o));
                        } else {
                            out.println(image);
                            int rank = 1;
                            for (Prediction p : top) {
                                out.printf(
                                        Locale.ROOT,
                                        "  %d. %6.2f%%  %s%n",
                                        rank++,
                                        100 * p.probability(),
                                        p.label().equals(Integer.toString(p.index()))
                                                ? "class " + p.index()
                                                : p.label() + " (" + p.index() + ")");
                            }
                        }
                    });
        }
        out.flush();
        return status;
    }

    /** {@code "predictions"}: each with its index, label, probability and logit, best first (predict's and zero-shot's). */
    static void putPredictions(ObjectNode o, List<Prediction> top) {
        ArrayNode preds = o.putArray("predictions");
        for (Prediction p : top) {
            preds.addObject()
                    .put("index", p.index())
                    .put("label", p.label())
                    .put("probability", p.probability())
                    .put("logit", p.logit());
        }
    }
}
