package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.Dataset;
import dev.vit4j.data.DatasetSpec;
import dev.vit4j.data.Subset;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.AttentionProbe;
import dev.vit4j.probing.MeanAttentionDistance;
import dev.vit4j.viz.MadPlot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "mad",
        description = {
            "Mean attention distance per block and head, averaged over images or a dataset.",
            "Writes DIR/mad.csv (block,head,mean_distance) and DIR/mad.png."
        })
final class MadCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "Where mad.csv and mad.png go.")
    Path output;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "16",
            description = "Images per forward pass.")
    int batchSize;

    @Option(
            names = "--data",
            paramLabel = "SPEC",
            description = "A dataset spec instead of images (its test split). Default: none (the images given).")
    String data;

    @Option(names = "--limit", defaultValue = "0", description = "With --data: the first N examples only; 0: all.")
    int limit;

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Parameters(
            arity = "0..*",
            paramLabel = "IMAGE|DIR",
            description = "Images, or folders searched for images (recursively, in name order).")
    List<Path> images = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        if ((data == null) == images.isEmpty()) {
            throw new Vit4jException("give images or --data SPEC (one of the two)");
        }
        if (batchSize < 1) {
            throw new Vit4jException("--batch-size must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        OutputFiles.folder(output, "-o");
        int status = 0;
        try (ModelPipeline pipeline =
                engineOptions.pipeline(modelOptions.load(spec.commandLine().getErr()))) {
            ModelConfig c = pipeline.config();
            String whyNot = c.attentionLayout().whyNoDistances();
            if (whyNot != null) {
                throw new Vit4jException(whyNot);
            }
            MeanAttentionDistance mad = new MeanAttentionDistance(c.gridHeight(), c.gridWidth(), c.patchSize);
            if (data != null) {
                addDataset(pipeline, mad);
            } else {
                status = ImageBatches.run(
                        spec.commandLine().getErr(),
                        pipeline,
                        images,
                        batchSize,
                        true,
                        "mad",
                        (image, outcome) -> mad.add(outcome.outputs().attention()));
                if (mad.images() == 0) {
                    return status; // nothing could be read: nothing written
                }
            }
            MadPlot.writeReport(output, c.name, mad);
            out.println("mean attention distance of " + mad.means().size() + " blocks over " + mad.images()
                    + " image(s): " + output.resolve("mad.csv") + ", " + output.resolve("mad.png"));
        }
        out.flush();
        return status;
    }

    private void addDataset(ModelPipeline pipeline, MeanAttentionDistance mad) {
        Dataset d = DatasetSpec.open(data, DatasetSpec.Split.TEST);
        if (d == null) {
            d = DatasetSpec.open(data, DatasetSpec.Split.TRAIN);
        }
        d = Subset.limit(d, limit);
        long[] done = {0};
        try (Progress progress = Progress.start(spec.commandLine().getErr(), "mad", d.size(), "images")) {
            AttentionProbe.forEach(
                    pipeline,
                    d,
                    batchSize,
                    msg -> spec.commandLine().getErr().println("vit4j: " + msg),
                    (batch, perImage) -> {
                        perImage.forEach(mad::add);
                        done[0] += batch.size();
                        progress.stepTo(done[0]);
                    });
        }
    }
}
