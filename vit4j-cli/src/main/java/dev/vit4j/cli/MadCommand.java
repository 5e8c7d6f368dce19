package dev.vit4j.cli;

import dev.vit4j.inference.LoadedModel;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.AttentionProbe;
import dev.vit4j.probing.MeanAttentionDistance;
import dev.vit4j.viz.MadPlot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "mad", description = "Mean attention distance per block and head: DIR/mad.csv and DIR/mad.png.")
final class MadCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "Architecture name or config .json.")
    String model;

    @Option(names = {"-w", "--weights"}, required = true, description = "A .safetensors file or a model directory.")
    Path weights;

    @Option(names = {"-o", "--output"}, required = true, description = "Output directory.")
    Path output;

    @Option(names = "--batch-size", defaultValue = "16", description = "Images per forward pass (default 16).")
    int batchSize;

    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<Path> images;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (LoadedModel loaded = LoadedModel.load(model, weights)) {
            ModelConfig c = loaded.model().config();
            MeanAttentionDistance mad = new MeanAttentionDistance(c.gridHeight(), c.gridWidth(), c.patchSize);
            Progress progress = new Progress(spec.commandLine().getErr(), "images", images.size());
            for (int start = 0; start < images.size(); start += Math.max(1, batchSize)) {
                List<Path> chunk = images.subList(start, Math.min(images.size(), start + Math.max(1, batchSize)));
                for (AttentionProbe.ImageAttention r : AttentionProbe.run(loaded, chunk)) {
                    mad.add(r.attention());
                }
                progress.update(start + chunk.size());
            }
            Map<String, double[]> means = mad.means();
            StringBuilder csv = new StringBuilder("block,head,mean_distance\n");
            means.forEach((block, heads) -> {
                for (int h = 0; h < heads.length; h++) {
                    csv.append(block).append(',').append(h).append(',')
                            .append(String.format(Locale.ROOT, "%.6f", heads[h])).append('\n');
                }
            });
            AtomicFiles.writeString(output.resolve("mad.csv"), csv.toString());
            MadPlot.write(MadPlot.chart(c.name, mad.images(), means), output.resolve("mad.png"));
            out.println("mean attention distance of " + means.size() + " blocks over " + mad.images() + " image(s): "
                    + output.resolve("mad.csv") + ", " + output.resolve("mad.png"));
        }
        out.flush();
        return 0;
    }
}
