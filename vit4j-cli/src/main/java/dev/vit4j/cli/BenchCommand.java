package dev.vit4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Engine;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.InferenceEngine;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.OnnxRuntimeEnvironment;
import dev.vit4j.inference.OnnxRuntimeRuns;
import dev.vit4j.io.Json;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.text.Prompts;
import dev.vit4j.weights.WeightFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Side-by-side inference speed: vit4j's engines and, with {@code --anchor}, ONNX Runtime on a given
 * {@code .onnx} file, in the same process, on the same input, rounds interleaved (every engine once per
 * round, order rotating) so that the machine's noise hits all of them alike. Reports medians and ratios.
 */
@Command(name = "bench", description = "Images/s, p50/p90 latency and output agreement of the engines, side by side.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(
            names = {"-b", "--batch-size"},
            split = ",",
            paramLabel = "N[,N…]",
            hideParamSyntax = true,
            defaultValue = "1,8",
            description = "Batch sizes, each timed.")
    List<Integer> batches;

    @Option(
            names = "--engine",
            split = ",",
            paramLabel = "ENGINE[,ENGINE…]",
            hideParamSyntax = true,
            defaultValue = "onnx,torch",
            description = "Engines: onnx, onnx-int8, torch; none with --anchor runs the anchor alone.")
    List<String> engines;

    @Option(
            names = "--anchor",
            paramLabel = "FILE",
            description = "An .onnx file to run with ONNX Runtime side by side (e.g. a torch.onnx export). Default:"
                    + " none.")
    Path anchor;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime threads per run; 0: all cores.")
    int threads;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed rounds first, per batch size.")
    int warmup;

    @Option(
            names = "--runs",
            defaultValue = "40",
            description = {
                "Timed rounds per batch size. The ratio to the anchor is the median of per-round ratios, each round"
                        + " running every engine once."
            })
    int runs;

    @Option(names = "--json", description = "One JSON object per row.")
    boolean json;

    @Option(
            names = "--text-tower",
            description = "Time a two-tower model's text tower (CLIP, SigLIP; -w its directory) instead of its image"
                    + " tower: batches of ImageNet prompts (\"a photo of a {}.\"), the anchor an ONNX export of"
                    + " encode_text (input_ids in, text_embeds out); then the tokenizer alone and the zero-shot label"
                    + " embeddings.")
    boolean text;

    @Option(
            names = "--label-prompts",
            defaultValue = "2000",
            description =
                    "With --text-tower: how many of ImageNet's 1000 labels × CLIP's 80 prompts to embed when timing the"
                            + " zero-shot label embeddings (all 80 000 is what a user waits for once; the time of all is"
                            + " projected from these); 0: none.")
    int prompts;

    @Override
    public Integer call() throws IOException, OrtException {
        if (anchor != null && !Files.isRegularFile(anchor)) {
            throw new Vit4jException(
                    Files.exists(anchor)
                            ? "--anchor " + anchor + " is a folder: give an .onnx file"
                            : "--anchor " + anchor + ": no such file");
        }
        if (anchor != null && !WeightFiles.isOnnx(anchor)) {
            throw new Vit4jException("--anchor " + anchor + " is " + WeightFiles.describe(anchor)
                    + ", not an ONNX model (a .onnx file, e.g. from torch.onnx.export or vit4j export)");
        }
        if (runs < 1 || warmup < 0 || batches.stream().anyMatch(b -> b < 1)) {
            throw new Vit4jException("--runs must be positive, --warmup non-negative, batch sizes positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        int nThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(nThreads));
        double peak = matmulPeakGflops();
        ObjectMapper mapper = Json.mapper();
        // Speed does not depend on the values: without weights, a seeded random initialisation.
        boolean random = modelOptions.weights == null
                && !modelOptions.pretrained
                && (modelOptions.model == null || !dev.vit4j.hub.RepoRef.looksLike(modelOptions.model));
        if (random && modelOptions.model == null) {
            throw new Vit4jException("give the model with -m");
        }
        try (LoadedModel loaded = random
                ? LoadedModel.initialized(ModelRegistry.defaults().config(modelOptions.model), 0)
                : modelOptions.load(spec.commandLine().getErr())) {
            ModelConfig c = loaded.model().config();
            Map<String, Runner> runners = new LinkedHashMap<>();
            List<InferenceEngine> toClose = new ArrayList<>();
            for (String e : engines) {
                if (e.equals("none")) {
                    continue; // the anchor alone: its own peak resident memory
                }
                InferenceEngine engine = EngineType.of(e).create(loaded, nThreads);
                toClose.add(engine);
                ModelPipeline pipeline = ModelPipeline.over(loaded, engine);
                if (text) {
                    pipeline.requireText();
                    runners.put(
                            "vit4j-" + e, in -> pipeline.runTokens(in.tokens()).toArray(float[][]::new));
                } else {
                    runners.put("vit4j-" + e, in -> pipeline.run(in.pixels(), in.batch(), false).stream()
                            .map(ModelPipeline.ImageOutputs::logits)
                            .toArray(float[][]::new));
                }
            }
            OrtSession anchorSession = null;
            if (anchor != null) {
                try (OrtSession.SessionOptions o = OnnxRuntimeEnvironment.options(nThreads)) {
                    anchorSession = OnnxRuntimeRuns.call(
                            () -> OnnxRuntimeEnvironment.get().createSession(anchor.toString(), o));
                }
                OrtSession a = anchorSession;
                String inputName = a.getInputNames().iterator().next();
                runners.put("anchor", in -> {
                    try (OnnxTensor t = in.pixels() != null
                                    ? OnnxTensor.createTensor(
                                            OnnxRuntimeEnvironment.get(), FloatBuffer.wrap(in.pixels()), in.shape())
                                    : OnnxTensor.createTensor(
                                            OnnxRuntimeEnvironment.get(), LongBuffer.wrap(in.ids()), in.shape());
                            OrtSession.Result r = OnnxRuntimeRuns.call(() -> a.run(Map.of(inputName, t)))) {
                        return (float[][]) r.get(0).getValue();
                    } catch (OrtException ex) {
                        throw new IllegalStateException(ex);
                    }
                });
            }
            if (runners.isEmpty()) {
                throw new Vit4jException("nothing to run: --engine none needs --anchor");
            }
            if (!json) {
                out.printf(
                        Locale.ROOT,
                        "%s, %d threads, %d timed rounds (medians); matmul peak %.1f GFLOP/s%n",
                        c.name + (text ? " text tower" : ""),
                        nThreads,
                        runs,
                        peak);
                out.printf(
                        Locale.ROOT,
                        "%-6s %-16s %10s %9s %9s %9s %8s %12s%n",
                        "batch",
                        "engine",
                        text ? "texts/s" : "images/s",
                        "p50 ms",
                        "p90 ms",
                        "GFLOP/s",
                        "ratio",
                        "max|Δ| anchor");
            }
            List<String> allPrompts = text ? imageNetPrompts() : null;
            for (int b : batches) {
                Input x = text ? tokens(loaded, b) : pixels(new Shape(b, c.inChans, c.height(), c.width()));
                Map<String, float[][]> outputs = new LinkedHashMap<>();
                Map<String, long[]> times = new LinkedHashMap<>();
                for (Map.Entry<String, Runner> r : runners.entrySet()) {
                    for (int i = 0; i < warmup; i++) {
                        outputs.put(r.getKey(), r.getValue().run(x));
                    }
                    times.put(r.getKey(), new long[runs]);
                }
                List<String> names = new ArrayList<>(runners.keySet());
                for (int round = 0; round < runs; round++) {
                    for (int k = 0; k < names.size(); k++) {
                        String name = names.get((k + round) % names.size());
                        long t0 = System.nanoTime();
                        runners.get(name).run(x);
                        times.get(name)[round] = System.nanoTime() - t0;
                    }
                }
                long[] anchorTimes = times.get("anchor");
                for (String name : names) {
                    long[] t = times.get(name);
                    double p50 = median(t) / 1e6;
                    double p90 = percentile(t, 0.9) / 1e6;
                    double rate = b / (p50 / 1e3);
                    double gflops = text ? Double.NaN : 2 * Complexity.gmacs(c) * b / (p50 / 1e3);
                    double diff = outputs.containsKey("anchor")
                            ? maxDiff(outputs.get(name), outputs.get("anchor"))
                            : Double.NaN;
                    double ratio = anchorTimes == null ? Double.NaN : pairedSpeedRatio(t, anchorTimes);
                    if (json) {
                        ObjectNode o = mapper.createObjectNode();
                        o.put("model", c.name)
                                .put("batch", b)
                                .put("engine", name)
                                .put(text ? "texts_per_second" : "images_per_second", rate)
                                .put("p50_ms", p50)
                                .put("p90_ms", p90)
                                .put("gflops", text ? null : gflops)
                                .put("peak_gflops", peak)
                                .put("threads", nThreads);
                        if (anchorTimes != null) {
                            o.put("ratio_to_anchor", ratio).put("max_abs_diff_to_anchor", diff);
                        }
                        out.println(mapper.writeValueAsString(o));
                    } else {
                        out.printf(
                                Locale.ROOT,
                                "%-6d %-16s %10.1f %9.2f %9.2f %9s %8s %12s%n",
                                b,
                                name,
                                rate,
                                p50,
                                p90,
                                text ? "-" : String.format(Locale.ROOT, "%.1f", gflops),
                                Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio),
                                Double.isNaN(diff) ? "-" : String.format(Locale.ROOT, "%.1e", diff));
                    }
                }
            }
            if (text) {
                timeTokenizer(loaded, allPrompts, out, mapper);
                if (prompts > 0 && !toClose.isEmpty()) {
                    timeLabelEmbeddings(ModelPipeline.over(loaded, toClose.get(0)), engines.get(0), out, mapper);
                }
            }
            if (!json) {
                out.printf(Locale.ROOT, "peak resident memory of this process: %d MB%n", peakRssKb() / 1024);
            }
            for (InferenceEngine e : toClose) {
                e.close();
            }
            if (anchorSession != null) {
                anchorSession.close();
            }
        }
        out.flush();
        return 0;
    }

    @FunctionalInterface
    private interface Runner {
        float[][] run(Input in);
    }

    /** One batch as every runner takes it: pixels (images), or token ids as rows and as one tensor (texts). */
    private record Input(int batch, long[] shape, float[] pixels, List<int[]> tokens, long[] ids) {}

    private static Input pixels(Shape shape) {
        Random r = new Random(1);
        float[] x = new float[(int) shape.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return new Input((int) shape.get(0), shape.getShape(), x, null, null);
    }

    /** CLIP's 80 prompts for each of ImageNet's 1000 labels, label by label: what zero-shot classification embeds. */
    private static List<String> imageNetPrompts() {
        List<String> out = new ArrayList<>();
        for (String label : Prompts.imageNetClassNames()) {
            for (String t : Prompts.openAiImageNetTemplates()) {
                out.add(Prompts.fill(t, label));
            }
        }
        return out;
    }

    /** The first {@code b} of ImageNet's "a photo of a {label}." prompts, tokenized. */
    private static Input tokens(LoadedModel model, int b) {
        List<String> labels = Prompts.imageNetClassNames();
        List<int[]> rows = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            rows.add(model.tokenizer().encode(Prompts.fill(Prompts.DEFAULT_TEMPLATE, labels.get(i % labels.size()))));
        }
        int context = model.tokenizer().contextLength();
        long[] ids = new long[b * context];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < context; t++) {
                ids[i * context + t] = rows.get(i)[t];
            }
        }
        return new Input(b, new long[] {b, context}, null, rows, ids);
    }

    /** The tokenizer alone, one thread, over all 80 000 prompts (best of three passes). */
    private void timeTokenizer(LoadedModel model, List<String> prompts, PrintWriter out, ObjectMapper mapper)
            throws IOException {
        double best = Double.MAX_VALUE;
        long checksum = 0;
        for (int pass = 0; pass < 3; pass++) {
            long t0 = System.nanoTime();
            for (String p : prompts) {
                checksum += model.tokenizer().encode(p)[1];
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        double rate = prompts.size() / best;
        if (json) {
            out.println(mapper.writeValueAsString(mapper.createObjectNode()
                    .put("tokenizer_texts_per_second", rate)
                    .put("texts", prompts.size())
                    .put("checksum", checksum)));
        } else {
            out.printf(
                    Locale.ROOT,
                    "tokenizer, one thread: %.0f texts/s (%d ImageNet prompts in %.2f s, best of 3)%n",
                    rate,
                    prompts.size(),
                    best);
        }
    }

    /**
     * The zero-shot label embeddings ({@code --label-prompts} of ImageNet's 1000 × 80 prompts through {@link
     * ModelPipeline#zeroShot}), and the time all of them would take at that rate.
     */
    private void timeLabelEmbeddings(ModelPipeline pipeline, String engine, PrintWriter out, ObjectMapper mapper)
            throws IOException {
        List<String> templates = Prompts.openAiImageNetTemplates();
        List<String> allLabels = Prompts.imageNetClassNames();
        int total = allLabels.size() * templates.size();
        int labels = Math.max(1, Math.min(allLabels.size(), (int) Math.ceil((double) prompts / templates.size())));
        long t0 = System.nanoTime();
        pipeline.zeroShot(allLabels.subList(0, labels), templates);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int embedded = labels * templates.size();
        double projected = seconds * total / embedded;
        if (json) {
            out.println(mapper.writeValueAsString(mapper.createObjectNode()
                    .put("engine", "vit4j-" + engine)
                    .put("label_prompts", embedded)
                    .put("label_seconds", seconds)
                    .put("prompts_per_second", embedded / seconds)
                    .put("imagenet_seconds_projected", projected)));
        } else {
            out.printf(
                    Locale.ROOT,
                    "zero-shot label embeddings, vit4j-%s: %d labels × %d prompts in %.1f s (%.1f prompts/s); all of"
                            + " ImageNet's %d × %d: %.0f s%s%n",
                    engine,
                    labels,
                    templates.size(),
                    seconds,
                    embedded / seconds,
                    allLabels.size(),
                    templates.size(),
                    projected,
                    embedded < total ? " (projected)" : "");
        }
    }

    /**
     * Speed relative to the anchor as the median over rounds of anchor time / engine time within the same
     * round: both ran seconds apart, so the machine's slow drifts (other tenants) cancel pair by pair.
     */
    static double pairedSpeedRatio(long[] engine, long[] anchor) {
        double[] r = new double[engine.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (double) anchor[i] / engine[i];
        }
        Arrays.sort(r);
        return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
    }

    private static double median(long[] t) {
        return percentile(t, 0.5);
    }

    static double percentile(long[] t, double q) {
        long[] s = t.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }

    private static double maxDiff(float[][] a, float[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }

    /** The machine's float32 matrix-multiply rate (1024³ in PyTorch, best of five). */
    static double matmulPeakGflops() {
        try (NDManager m = Engine.newManager()) {
            NDArray a = m.randomNormal(new Shape(1024, 1024));
            NDArray b = m.randomNormal(new Shape(1024, 1024));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0);
                }
                if (i > 0) {
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
            }
            return 2.0 * 1024 * 1024 * 1024 / best / 1e9;
        }
    }

    static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return 0;
    }
}
