package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.AttentionRollout;
import dev.vit4j.viz.AttentionReport;
import dev.vit4j.viz.Colormap;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "attention",
        description = {
            "Per image: per-head class-token attention maps, saliency, overlay PNGs and attention.safetensors.",
            "CaiT: the class-attention blocks; ViT/DeiT: the class token's row of the last block (or --block)."
        })
final class AttentionCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "Where the pictures go: a folder per image.")
    Path output;

    @Option(
            names = "--block",
            paramLabel = "BLOCK",
            description = "Block to map, e.g. blocks.11, blocks_token_only.0 or "
                    + "cross_attention.iteration_1 (repeatable). Default: the model's (CaiT: its class-attention"
                    + " blocks; ViT: the last block).")
    List<String> blocks;

    @Option(
            names = "--latents",
            split = ",",
            paramLabel = "N[,N…]",
            hideParamSyntax = true,
            description = "Perceiver: latents drawn one by one. Default: the first 8.")
    int[] latents;

    @Option(names = "--rollout", description = "Also attention rollout (ViT-style models).")
    boolean rollout;

    @Option(names = "--head-fusion", defaultValue = "mean", description = "Rollout head fusion: mean, max, min.")
    String headFusion;

    @Option(names = "--discard-ratio", defaultValue = "0.9", description = "Rollout: share of lowest weights zeroed.")
    double discardRatio;

    @Option(names = "--colormap", defaultValue = "cividis", description = "cividis, viridis, inferno, magma, plasma.")
    String colormap;

    @Option(names = "--alpha", defaultValue = "0.6", description = "Overlay opacity of the saliency (0..1).")
    double alpha;

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Parameters(
            arity = "1..*",
            paramLabel = "IMAGE|DIR",
            description = "Images, or folders searched for images (recursively, in name order).")
    List<Path> images;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "8",
            description = "Images per forward pass (a batch's attention tensors are held at once).")
    int batchSize;

    @Override
    public Integer call() throws IOException {
        if (alpha < 0 || alpha > 1) {
            throw new Vit4jException("--alpha must be between 0 and 1");
        }
        Colormap cmap = Colormap.named(colormap);
        AttentionRollout.HeadFusion fusion = AttentionRollout.HeadFusion.parse(headFusion);
        PrintWriter out = spec.commandLine().getOut();
        OutputFiles.folder(output, "-o");
        int status;
        try (ModelPipeline pipeline =
                engineOptions.pipeline(modelOptions.load(spec.commandLine().getErr()))) {
            ModelConfig c = pipeline.config();
            if (latents != null
                    && c.attentionLayout().defaultBlocks().stream().noneMatch(b -> b.startsWith("cross_attention."))) {
                throw new Vit4jException("--latents draws a Perceiver's latents one by one; " + c.name
                        + " has no latents (its maps: "
                        + String.join(", ", c.attentionLayout().defaultBlocks())
                        + ")");
            }
            AttentionReport.Options options =
                    new AttentionReport.Options(blocks, cmap, alpha, rollout, fusion, discardRatio, latents);
            Set<String> used = new HashSet<>();
            status = ImageBatches.run(
                    spec.commandLine().getErr(), pipeline, images, batchSize, true, "attention", (image, outcome) -> {
                        Path dir = output.resolve(uniqueStem(image, used));
                        AttentionReport.write(
                                dir,
                                image.toString(),
                                outcome.prepared().crop(),
                                outcome.outputs().attention(),
                                c,
                                options);
                        out.println(image + " → " + dir);
                    });
        }
        out.flush();
        return status;
    }

    private static String uniqueStem(Path image, Set<String> used) {
        String name = image.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String candidate = stem;
        for (int i = 2; !used.add(candidate); i++) {
            candidate = stem + "_" + i;
        }
        return candidate;
    }
}
