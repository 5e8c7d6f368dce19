package dev.vit4j.cli;

import ai.djl.ndarray.types.Shape;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.ModelRunner;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.Predictor;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.weights.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The README's main job, on built-in defaults: no download, no data to fetch. Builds a CaiT, runs the
 * bundled sample images through timm's preprocessing and the model, and — where the shared anchors are
 * present — checks vit4j's logits against timm's on the anchors' published weights.
 */
@Command(name = "demo", description = "Build a CaiT, run the sample images, check against timm where anchors exist.")
final class DemoCommand implements Callable<Integer> {
    private static final String[] SAMPLES = {"landscape.png", "portrait.png"};

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, defaultValue = "demo-output", description = "Where files go (default demo-output).")
    Path output;

    @Option(names = "--anchors", description = "Directory of timm anchors (default ../shared/anchors or $VIT4J_ANCHORS).")
    Path anchors;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        out.println("vit4j demo: " + ModelRegistry.defaults().entries().size() + " architectures registered"
                + " (vit4j models lists them)");
        List<Path> images = extractSamples(output.resolve("samples"));

        ModelConfig config = ModelRegistry.defaults().config("cait_xxs24_224");
        out.printf(Locale.ROOT, "%n1. %s with seeded random weights (%.2fM parameters, %.2f GFLOPs)%n", config.name,
                ModelRegistry.build(config).parameterCount() / 1e6, Complexity.gmacs(config));
        try (LoadedModel model = LoadedModel.initialized(config, 0)) {
            runSamples(out, model, images);
        }

        Path anchorDir = anchors != null ? anchors
                : System.getenv("VIT4J_ANCHORS") != null ? Path.of(System.getenv("VIT4J_ANCHORS"))
                : Path.of("..", "shared", "anchors");
        out.println();
        if (!Files.isDirectory(anchorDir)) {
            out.println("2. timm check skipped: no anchors at " + anchorDir + " (pass --anchors DIR)");
        } else {
            out.println("2. timm check on the anchors in " + anchorDir);
            for (String name : List.of("deit_tiny_patch16_224", "cait_xxs24_224")) {
                checkAnchor(out, anchorDir, name, images);
            }
        }
        out.println();
        out.println("Sample images: " + output.resolve("samples").toAbsolutePath().normalize());
        out.flush();
        return 0;
    }

    private static void runSamples(PrintWriter out, LoadedModel model, List<Path> images) {
        Predictor predictor = new Predictor(model);
        predictor.predict(images, 3);
        long[] times = new long[3];
        List<List<Prediction>> result = null;
        for (int i = 0; i < times.length; i++) {
            long t0 = System.nanoTime();
            result = predictor.predict(images, 3);
            times[i] = System.nanoTime() - t0;
        }
        Arrays.sort(times);
        for (int i = 0; i < images.size(); i++) {
            Prediction p = result.get(i).get(0);
            out.printf(Locale.ROOT, "   %-14s top-1 %-32s p=%.4f logit=%.4f%n", images.get(i).getFileName(),
                    truncate(p.label()), p.probability(), p.logit());
        }
        out.printf(Locale.ROOT, "   batch of %d: median %.1f ms (preprocessing + forward, 3 runs)%n", images.size(),
                times[1] / 1e6);
    }

    private static void checkAnchor(PrintWriter out, Path dir, String name, List<Path> images) {
        Path weights = dir.resolve(name + ".safetensors");
        Path io = dir.resolve(name + ".io.safetensors");
        if (!Files.isRegularFile(weights) || !Files.isRegularFile(io)) {
            out.println("   " + name + ": anchor files missing, skipped");
            return;
        }
        try (LoadedModel model = LoadedModel.load(name, weights); SafeTensors st = SafeTensors.open(io)) {
            ModelOutputs result = ModelRunner.run(model.model(), model.manager(), st.floats("pixel_values"),
                    new Shape(st.info("pixel_values").shape()), false);
            float[] want = st.floats("logits");
            double max = 0;
            int n = result.logits()[0].length;
            for (int b = 0; b < result.logits().length; b++) {
                for (int j = 0; j < n; j++) {
                    max = Math.max(max, Math.abs(result.logits()[b][j] - want[b * n + j]));
                }
            }
            out.printf(Locale.ROOT, "   %-22s max |logit - timm| = %.2e over %d images × %d classes%n", name, max,
                    result.logits().length, n);
            runSamples(out, model, images);
        }
    }

    private static String truncate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 31) + "…";
    }

    private static List<Path> extractSamples(Path dir) throws IOException {
        List<Path> paths = new ArrayList<>();
        for (String name : SAMPLES) {
            Path target = dir.resolve(name);
            try (InputStream in = DemoCommand.class.getResourceAsStream("samples/" + name)) {
                byte[] bytes = in.readAllBytes();
                AtomicFiles.write(target, o -> o.write(bytes));
            }
            paths.add(target);
        }
        return paths;
    }
}
