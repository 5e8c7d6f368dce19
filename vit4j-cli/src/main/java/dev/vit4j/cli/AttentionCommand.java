package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.AttentionProbe;
import dev.vit4j.probing.AttentionProbe.ImageAttention;
import dev.vit4j.probing.AttentionRollout;
import dev.vit4j.probing.ClassTokenAttention;
import dev.vit4j.viz.AttentionFigures;
import dev.vit4j.viz.Colormap;
import dev.vit4j.viz.Png;
import dev.vit4j.weights.FloatTensor;
import dev.vit4j.weights.SafeTensorsWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "attention", description = {
        "Per image: per-head class-token attention maps, saliency, overlay PNGs and attention.safetensors.",
        "CaiT: the class-attention blocks; ViT/DeiT: the class token's row of the last block (or --block)."})
final class AttentionCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "Architecture name or config .json.")
    String model;

    @Option(names = {"-w", "--weights"}, required = true, description = "A .safetensors file or a model directory.")
    Path weights;

    @Option(names = {"-o", "--output"}, required = true, description = "Output directory (one folder per image).")
    Path output;

    @Option(names = "--block", description = "Block to map, e.g. blocks.11 or blocks_token_only.0 (repeatable).")
    List<String> blocks;

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

    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<Path> images;

    @Override
    public Integer call() throws IOException {
        if (alpha < 0 || alpha > 1) {
            throw new Vit4jException("--alpha must be between 0 and 1");
        }
        Colormap cmap = Colormap.named(colormap);
        AttentionRollout.HeadFusion fusion = AttentionRollout.HeadFusion.parse(headFusion);
        PrintWriter out = spec.commandLine().getOut();
        try (LoadedModel loaded = LoadedModel.load(model, weights)) {
            ModelConfig c = loaded.model().config();
            if (rollout && c.isCait()) {
                throw new Vit4jException("--rollout is for ViT-style models (CaiT's class token only enters at the end)");
            }
            List<ImageAttention> results = AttentionProbe.run(loaded, images);
            Set<String> used = new HashSet<>();
            for (ImageAttention r : results) {
                Path dir = output.resolve(uniqueStem(r.image(), used));
                write(r, c, dir, cmap, fusion);
                out.println(r.image() + " → " + dir);
            }
        }
        out.flush();
        return 0;
    }

    private void write(ImageAttention r, ModelConfig c, Path dir, Colormap cmap,
            AttentionRollout.HeadFusion fusion) throws IOException {
        int gh = c.gridHeight();
        int gw = c.gridWidth();
        int h = r.input().height();
        int w = r.input().width();
        Png.write(AttentionFigures.fromRgb(r.input()), dir.resolve("input.png"));
        float[] saliency = null;
        for (String block : selectedBlocks(r.attention(), c)) {
            FloatTensor t = r.attention().get("attention." + block);
            if (t == null) {
                throw new Vit4jException("no block '" + block + "'; have " + String.join(", ",
                        r.attention().keySet().stream().filter(k -> k.startsWith("attention.")).map(k -> k.substring(10))
                                .toList()));
            }
            float[][] heads = ClassTokenAttention.perHead(t, gh, gw);
            Png.write(AttentionFigures.headsGrid(c.name + " · " + block + " · class-token attention per head", heads, gh,
                    gw, h, w, cmap), dir.resolve("heads_" + block + ".png"));
            if (saliency == null) {
                saliency = ClassTokenAttention.upsample(ClassTokenAttention.saliency(heads), gh, gw, h, w);
            }
        }
        float[] s01 = ClassTokenAttention.minMax(saliency);
        Png.write(AttentionFigures.colorize(s01, h, w, cmap), dir.resolve("saliency.png"));
        Png.write(AttentionFigures.overlay(r.input(), s01, cmap, alpha), dir.resolve("overlay.png"));
        if (rollout) {
            List<FloatTensor> all = new ArrayList<>();
            for (int i = 0; i < c.depth; i++) {
                all.add(r.attention().get("attention.blocks." + i));
            }
            int n = all.get(0).dim(-1);
            float[] mask = AttentionRollout.classTokenMask(AttentionRollout.rollout(all, fusion, discardRatio), n, gh, gw);
            float[] up = ClassTokenAttention.minMax(ClassTokenAttention.upsample(mask, gh, gw, h, w));
            Png.write(AttentionFigures.colorize(up, h, w, cmap), dir.resolve("rollout.png"));
            Png.write(AttentionFigures.overlay(r.input(), up, cmap, alpha), dir.resolve("rollout_overlay.png"));
        }
        SafeTensorsWriter.write(dir.resolve("attention.safetensors"), r.attention(),
                Map.of("model", String.valueOf(c.name), "image", r.image().toString()));
    }

    private List<String> selectedBlocks(Map<String, FloatTensor> attention, ModelConfig c) {
        if (blocks != null && !blocks.isEmpty()) {
            return blocks;
        }
        if (c.isCait()) {
            List<String> ca = new ArrayList<>();
            for (int i = 0; i < c.depthTokenOnly; i++) {
                ca.add("blocks_token_only." + i);
            }
            return ca;
        }
        return List.of("blocks." + (c.depth - 1));
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
