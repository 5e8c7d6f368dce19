package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.BatchLoader;
import dev.vit4j.data.Dataset;
import dev.vit4j.data.DatasetSpec;
import dev.vit4j.data.Example;
import dev.vit4j.data.Subset;
import dev.vit4j.image.RgbImage;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.InferenceEngine;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.OnnxEngine;
import dev.vit4j.io.Directories;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.probing.AttentionProbe;
import dev.vit4j.probing.AttentionRollout;
import dev.vit4j.probing.MeanAttentionDistance;
import dev.vit4j.probing.SaliencyInBox;
import dev.vit4j.training.Evaluation;
import dev.vit4j.training.Evaluator;
import dev.vit4j.training.TrainConfig;
import dev.vit4j.training.Trainer;
import dev.vit4j.viz.AttentionReport;
import dev.vit4j.viz.Colormap;
import dev.vit4j.viz.MadPlot;
import dev.vit4j.viz.TrainingPlots;
import dev.vit4j.weights.FloatTensor;
import dev.vit4j.weights.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The README's main job on built-in defaults, no download: trains a small CaiT on Fashion-MNIST (Debian's
 * dataset-fashion-mnist) or, without it, on the built-in shapes set; evaluates it; writes the learning
 * curves, the confusion matrix, class-attention maps of test images and the mean-attention-distance plot;
 * and checks vit4j against timm's logits: on the fixtures inside the jar, and on the published-size anchors
 * when they are at hand.
 */
@Command(name = "demo", description = "Train a small CaiT for a few minutes, evaluate it, and draw what it attends to.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "demo-output",
            paramLabel = "DIR",
            description = "Where the demo's files go.")
    Path output;

    @Option(
            names = "--data",
            paramLabel = "SPEC",
            description = "fashion-mnist[:DIR] or shapes[:SIZE[:COUNT]]. Default: Fashion-MNIST if installed, else"
                    + " shapes.")
    String data;

    @Option(names = "--epochs", description = "Training epochs. Default: 6 on Fashion-MNIST, 12 on shapes.")
    Integer epochs;

    @Option(
            names = "--anchors",
            paramLabel = "DIR",
            defaultValue = "${env:VIT4J_ANCHORS}",
            description = "A folder of timm anchors (NAME.safetensors and NAME.io.safetensors) to check published-size"
                    + " models against. Default: $VIT4J_ANCHORS; none: skipped.")
    Path anchors;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        String spec =
                data != null ? data : Files.isDirectory(DatasetSpec.DEFAULT_FASHION_MNIST) ? "fashion-mnist" : "shapes";
        boolean shapes = spec.equals("shapes") || spec.startsWith("shapes:");
        if (!shapes && !spec.equals("fashion-mnist") && !spec.startsWith("fashion-mnist:")) {
            throw new Vit4jException("the demo trains on fashion-mnist[:DIR] or shapes[:SIZE[:COUNT]], not '" + spec
                    + "' (vit4j train takes every dataset spec)");
        }
        OutputFiles.folder(output, "-o");
        if (data == null && shapes) {
            out.println(
                    "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): using the built-in shapes set");
        }
        ModelConfig config = builtinConfig(shapes ? "cait_shapes_demo.json" : "cait_fmnist_demo.json");
        Dataset train = DatasetSpec.open(spec, DatasetSpec.Split.TRAIN);
        Dataset test = DatasetSpec.open(spec, DatasetSpec.Split.TEST);
        TrainConfig tc = new TrainConfig();
        tc.epochs = epochs != null ? epochs : shapes ? 12 : 6;
        tc.batchSize = 128;
        tc.lr = 2e-3;
        tc.warmupEpochs = 0.3;
        tc.seed = 42;
        if (shapes) {
            tc.augmentation.flip = 0.5;
            tc.augmentation.padCrop = 2;
        }
        Path run = output.resolve("run");
        out.printf(
                Locale.ROOT,
                "1. training %s (%.2fM parameters) on %s for %d epochs → %s%n",
                config.name,
                ModelRegistry.build(config).parameterCount() / 1e6,
                train.describe(),
                tc.epochs,
                run);
        new Trainer(tc, config, train, test, run, TrainCommand.listener(out, err, () -> false))
                .overwrite(); // the demo's own run of last time

        try (LoadedModel model = LoadedModel.load((String) null, run);
                InferenceEngine engine = new OnnxEngine(model, 0)) {
            ModelConfig c = model.model().config();
            ModelPipeline pipeline = ModelPipeline.over(model, engine);
            Evaluation e;
            try (BatchLoader loader = pipeline.examples(test, 128, 2, msg -> {})) {
                e = Evaluator.evaluate(pipeline, loader, test, true);
            }
            TrainingPlots.confusionMatrix(
                    c.name + " on " + test.describe(),
                    e.classes(),
                    e.confusion(),
                    output.resolve("confusion_matrix.png"));
            out.printf(
                    Locale.ROOT,
                    "%n2. test top-1 %.4f, top-5 %.4f, loss %.4f on %d images%n",
                    e.top1(),
                    e.top5(),
                    e.loss(),
                    e.count());
            double[] acc = e.perClassAccuracy();
            for (int i = 0; i < acc.length; i++) {
                out.printf(Locale.ROOT, "   %-14s %.4f%n", e.classes().get(i), acc[i]);
            }
            out.println();
            out.println("3. class attention of test images → " + output.resolve("attention"));
            attentionMaps(model, engine, test, output.resolve("attention"));
            out.println("4. mean attention distance over 500 test images → " + output.resolve("mad.png"));
            mad(model, engine, Subset.limit(test, 500), output);
            if (shapes) {
                double score = SaliencyInBox.score(ModelPipeline.over(model, engine), test, null, 64);
                out.printf(
                        Locale.ROOT,
                        "   saliency peak inside the object's box: %.4f of %d test images%n",
                        score,
                        test.size());
            }
        }
        timmCheck(out, anchors);
        out.println();
        out.printf(Locale.ROOT, "Done in %.1f min. Files:%n", (System.nanoTime() - t0) / 60e9);
        for (String f : List.of(
                "run/history.csv",
                "run/learning_curves.png",
                "confusion_matrix.png",
                "attention",
                "mad.csv",
                "mad.png")) {
            out.println("  " + output.resolve(f).toAbsolutePath().normalize());
        }
        out.println("  model: " + run.resolve("best").toAbsolutePath().normalize()
                + " (vit4j predict/eval/attention -w " + run + ")");
        out.flush();
        return 0;
    }

    private static ModelConfig builtinConfig(String name) throws IOException {
        Path tmp = Files.createTempFile("vit4j-demo", ".json");
        try (InputStream in = DemoCommand.class.getResourceAsStream("demo/" + name)) {
            Files.write(tmp, in.readAllBytes());
            return Configs.read(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The first test image of each of the first four classes, with its per-head maps and overlay. */
    private static void attentionMaps(LoadedModel model, InferenceEngine engine, Dataset test, Path dir)
            throws IOException {
        ModelConfig c = model.model().config();
        List<Integer> picked = new ArrayList<>();
        boolean[] seen = new boolean[c.numClasses];
        for (int i = 0; i < test.size() && picked.size() < 4; i++) {
            int label = test.get(i).label();
            if (!seen[label]) {
                seen[label] = true;
                picked.add(i);
            }
        }
        List<Map<String, FloatTensor>> attention = new ArrayList<>();
        AttentionProbe.forEach(
                ModelPipeline.over(model, engine),
                new Subset(test, picked.stream().mapToInt(Integer::intValue).toArray(), "one per class"),
                picked.size(),
                msg -> {},
                (batch, perImage) -> attention.addAll(perImage));
        AttentionReport.Options options = new AttentionReport.Options(
                null, Colormap.named("inferno"), 0.55, false, AttentionRollout.HeadFusion.MEAN, 0.9, null);
        for (int k = 0; k < picked.size(); k++) {
            Example e = test.get(picked.get(k));
            String name = k + "_" + test.classes().get(e.label()).replaceAll("[^A-Za-z0-9]+", "_");
            AttentionReport.write(dir.resolve(name), name, toRgb(e), attention.get(k), c, options);
        }
    }

    private static RgbImage toRgb(Example e) {
        int plane = e.height() * e.width();
        byte[] px = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int ch = 0; ch < 3; ch++) {
                px[3 * i + ch] = e.pixels()[(e.channels() == 3 ? ch * plane : 0) + i];
            }
        }
        return new RgbImage(e.width(), e.height(), px);
    }

    private static void mad(LoadedModel model, InferenceEngine engine, Dataset d, Path dir) throws IOException {
        ModelConfig c = model.model().config();
        MeanAttentionDistance mad = new MeanAttentionDistance(c.gridHeight(), c.gridWidth(), c.patchSize);
        AttentionProbe.forEach(
                ModelPipeline.over(model, engine), d, 128, msg -> {}, (batch, perImage) -> perImage.forEach(mad::add));
        MadPlot.writeReport(dir, c.name, mad);
    }

    /**
     * Step 5: vit4j against timm 0.9.16 on the fixtures inside this jar (small random-weight ViT and CaiT with
     * timm's logits), then on the published-size anchors when they are at hand.
     */
    static void timmCheck(PrintWriter out, Path anchors) throws IOException {
        out.println();
        out.println("5. vit4j against timm 0.9.16, max |logit - timm| (1e-4 is the bar)");
        Path tmp = Files.createTempDirectory("vit4j-demo");
        try {
            for (String name : List.of("vit_micro", "cait_micro")) {
                Path dir = Files.createDirectories(tmp.resolve(name));
                for (String f :
                        List.of("config.json", "model.safetensors", "input.safetensors", "expected.safetensors")) {
                    try (InputStream in = DemoCommand.class.getResourceAsStream("demo/timm/" + name + "/" + f)) {
                        Files.copy(in, dir.resolve(f));
                    }
                }
                try (LoadedModel model = LoadedModel.load(
                                dir.resolve("config.json").toString(), dir.resolve("model.safetensors"));
                        SafeTensors x = SafeTensors.open(dir.resolve("input.safetensors"));
                        SafeTensors want = SafeTensors.open(dir.resolve("expected.safetensors"))) {
                    report(out, name + " (in the jar)", model, x, "x", want.floats("logits"));
                }
            }
        } finally {
            Directories.deleteTree(tmp);
        }
        if (anchors == null || !Files.isDirectory(anchors)) {
            out.println("   published-size anchors: " + (anchors == null ? "none given" : "no folder " + anchors)
                    + ", skipped (--anchors DIR or $VIT4J_ANCHORS)");
            return;
        }
        for (String name : List.of("deit_tiny_patch16_224", "cait_xxs24_224")) {
            Path weights = anchors.resolve(name + ".safetensors");
            Path io = anchors.resolve(name + ".io.safetensors");
            if (Files.isRegularFile(weights) && Files.isRegularFile(io)) {
                try (LoadedModel model = LoadedModel.load(name, weights);
                        SafeTensors st = SafeTensors.open(io)) {
                    report(out, name, model, st, "pixel_values", st.floats("logits"));
                }
            }
        }
    }

    private static void report(
            PrintWriter out, String what, LoadedModel model, SafeTensors inputs, String key, float[] want) {
        // The fixtures' inputs are already preprocessed batches: run as given, on the training engine timm's numbers
        // were made with
        List<ModelPipeline.ImageOutputs> result;
        try (InferenceEngine torch = EngineType.TORCH.create(model, 0)) {
            result = ModelPipeline.over(model, torch)
                    .run(inputs.floats(key), (int) inputs.info(key).shape()[0], false);
        }
        double max = 0;
        for (int b = 0; b < result.size(); b++) {
            float[] logits = result.get(b).logits();
            for (int j = 0; j < logits.length; j++) {
                max = Math.max(max, Math.abs(logits[j] - want[b * logits.length + j]));
            }
        }
        out.printf(Locale.ROOT, "   %-24s %.2e%s%n", what, max, max <= 1e-4 ? "" : "  ABOVE THE BAR");
    }
}
