package dev.vit4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Labels;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.Prediction;
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
            names = {"-k", "--top"},
            defaultValue = "5",
            description = "How many classes per image (default 5).")
    int k;

    @Option(names = "--json", description = "One JSON object per image per line.")
    boolean json;

    @Option(names = "--labels", description = "Class names: one per line, or a TSV whose last column is the name.")
    Path labelsFile;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per forward pass (default 32).")
    int batchSize;

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG, JPEG, BMP, GIF, WebP or TIFF files.")
    List<Path> images;

    @Override
    public Integer call() {
        if (k < 1) {
            throw new Vit4jException("-k must be at least 1");
        }
        if (batchSize < 1) {
            throw new Vit4jException("--batch-size must be at least 1");
        }
        var out = spec.commandLine().getOut();
        ObjectMapper mapper = new ObjectMapper();
        UnreadableImages unreadable = new UnreadableImages(spec.commandLine().getErr());
        // One batch needs no bar; more get one (on stderr: stdout holds the results alone).
        try (ModelPipeline pipeline = engineOptions.pipeline(
                        modelOptions.load(spec.commandLine().getErr()));
                Progress progress = images.size() > batchSize
                        ? Progress.start(spec.commandLine().getErr(), "predict", images.size(), "images")
                        : null) {
            pipeline.requireClassifier();
            Labels labels = labelsFile == null ? pipeline.labels() : Labels.read(labelsFile);
            for (int start = 0; start < images.size(); start += batchSize) {
                List<Path> chunk = images.subList(start, Math.min(images.size(), start + batchSize));
                List<ModelPipeline.Outcome> outcomes = pipeline.runEach(chunk, false);
                unreadable.report(chunk, outcomes);
                for (int i = 0; i < chunk.size(); i++) {
                    if (!outcomes.get(i).ok()) {
                        continue;
                    }
                    List<Prediction> top =
                            ModelPipeline.topK(outcomes.get(i).outputs().logits(), k, labels);
                    if (json) {
                        ObjectNode o = mapper.createObjectNode();
                        o.put("image", chunk.get(i).toString());
                        ArrayNode preds = o.putArray("predictions");
                        for (Prediction p : top) {
                            preds.addObject()
                                    .put("index", p.index())
                                    .put("label", p.label())
                                    .put("probability", p.probability())
                                    .put("logit", p.logit());
                        }
                        out.println(o);
                    } else {
                        out.println(chunk.get(i));
                        int rank = 1;
                        for (Prediction p : top) {
                            out.printf(
                                    Locale.ROOT,
                                    "  %d. %6.2f%%  %s (%d)%n",
                                    rank++,
                                    100 * p.probability(),
                                    p.label(),
                                    p.index());
                        }
                    }
                }
                if (progress != null) {
                    progress.stepTo(start + chunk.size());
                }
            }
        }
        out.flush();
        return unreadable.finish(images.size());
    }
}
