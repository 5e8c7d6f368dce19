package dev.vit4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.io.Json;
import dev.vit4j.text.Prompts;
import dev.vit4j.text.TextLines;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "zero-shot",
        description = "Classify images into labels no one trained for, with a CLIP or SigLIP model: each label"
                + " prompted by templates, its embedding the mean of theirs (open_clip's build_zero_shot_classifier);"
                + " CLIP's probabilities are a softmax over the labels, SigLIP's one sigmoid per label.")
final class ZeroShotCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Option(
            names = "--labels",
            required = true,
            paramLabel = "FILE|imagenet",
            description = "The labels: a UTF-8 file of one label a line, or imagenet (open_clip's 1 000 ImageNet class"
                    + " names).")
    String labels;

    @Option(
            names = "--template",
            paramLabel = "T",
            description = "One prompt template, {} marking the label. Default: \"a photo of a {}.\"")
    String template;

    @Option(
            names = "--templates",
            paramLabel = "FILE|openai",
            description = "Several templates, their embeddings averaged: a file of one a line, or openai (OpenAI's 80"
                    + " ImageNet templates). Default: --template's.")
    String templates;

    @Option(
            names = {"-k", "--top-k"},
            defaultValue = "5",
            description = "How many labels per image.")
    int k;

    @Option(names = "--json", description = "One JSON object per image per line.")
    boolean json;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "32",
            description = "Images per forward pass.")
    int batchSize;

    @Parameters(
            arity = "1..*",
            paramLabel = "IMAGE|DIR",
            description = "Images, or folders searched for images (recursively, in name order).")
    List<Path> images;

    @Override
    public Integer call() throws IOException {
        if (k < 1) {
            throw new Vit4jException("-k must be at least 1");
        }
        if (batchSize < 1) {
            throw new Vit4jException("--batch-size must be at least 1");
        }
        List<String> labelList = labels.equals(Prompts.IMAGENET)
                ? Prompts.imageNetClassNames()
                : TextLines.readNonBlank(Path.of(labels), "labels file");
        List<String> templateList = templates();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ObjectMapper mapper = Json.mapper();
        int status;
        try (ModelPipeline pipeline = engineOptions.pipeline(modelOptions.load(err))) {
            pipeline.requireText();
            ZeroShotClassifier classifier;
            try (Progress bar =
                    Progress.start(err, "label embeddings", (long) labelList.size() * templateList.size(), "prompts")) {
                classifier = pipeline.zeroShot(labelList, templateList, bar::stepTo);
            }
            boolean sigmoid = classifier.scoring().equals("sigmoid");
            if (!json && sigmoid) {
                out.println("(SigLIP: each label's probability is its own sigmoid; they need not sum to 1)");
            }
            status = ImageBatches.run(err, pipeline, images, batchSize, false, "zero-shot", (image, outcome) -> {
                List<Prediction> top = classifier.classify(pipeline.imageEmbedding(outcome.outputs()), k);
                if (json) {
                    ObjectNode o = mapper.createObjectNode();
                    o.put("image", image.toString());
                    o.put("scoring", classifier.scoring());
                    PredictCommand.putPredictions(o, top);
                    out.println(mapper.writeValueAsString(o));
                } else {
                    out.println(image);
                    int rank = 1;
                    for (Prediction p : top) {
                        out.printf(Locale.ROOT, "  %d. %6.2f%%  %s%n", rank++, 100 * p.probability(), p.label());
                    }
                }
            });
        }
        out.flush();
        return status;
    }

    private List<String> templates() {
        if (templates != null && template != null) {
            throw new Vit4jException("give --template or --templates, not both");
        }
        if (templates != null) {
            return templates.equals(Prompts.OPENAI)
                    ? Prompts.openAiImageNetTemplates()
                    : TextLines.readNonBlank(Path.of(templates), "templates file");
        }
        return List.of(template != null ? template : Prompts.DEFAULT_TEMPLATE);
    }
}
