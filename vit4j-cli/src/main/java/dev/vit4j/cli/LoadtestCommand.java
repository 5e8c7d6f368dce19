package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.ShapesDataset;
import dev.vit4j.image.DataConfig;
import dev.vit4j.image.ImageDecoder;
import dev.vit4j.inference.InferenceEngine;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.serve.ServeOptions;
import dev.vit4j.serve.VitServer;
import dev.vit4j.viz.Png;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Serving measured as its users see it: a vit4j server started in this process drives over loopback at each
 * concurrency (every client sends its next image as soon as it has its answer), beside the same model's offline
 * engine throughput (what {@code vit4j bench} measures: batches of preprocessed images) measured in the same run,
 * before and after the server levels.
 */
@Command(
        name = "loadtest",
        description = {
            "Drives a vit4j server over loopback at several concurrencies, beside the model's offline engine.",
            "Per level: images/s, p50/p90/p99 latency and mean batch size; the offline engine's throughput at batch 1"
                    + " and --max-batch, in the same run."
        })
final class LoadtestCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ServedModelOptions modelOptions = new ServedModelOptions();

    @picocli.CommandLine.Mixin
    BatchingOptions batching = new BatchingOptions();

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Option(
            names = "--concurrency",
            split = ",",
            defaultValue = "1,8,32",
            description = "Concurrent clients, a level each.")
    List<Integer> concurrency;

    @Option(names = "--requests", defaultValue = "400", description = "Requests per level, after a warm-up.")
    int requests;

    @Option(
            names = "--warmup",
            defaultValue = "600",
            description = "Requests sent first, at the highest concurrency, so the JIT has compiled decoding and "
                    + "preprocessing before anything is timed.")
    int warmup;

    @Option(
            names = "--images",
            paramLabel = "IMAGE|DIR",
            description = "Images to send, or a folder of them (recursively). Default: 32 shapes images at the model's"
                    + " input size, PNG.")
    Path images;

    @Option(
            names = "--rounds",
            defaultValue = "3",
            description = "Rounds, each the offline engine then every level; "
                    + "medians are reported (this machine is noisy).")
    int rounds;

    @Option(names = "--offline-batches", defaultValue = "40", description = "Offline batches timed per size and pass.")
    int offlineBatches;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (requests < 1
                || offlineBatches < 1
                || rounds < 1
                || warmup < 0
                || concurrency.stream().anyMatch(c -> c < 1)) {
            throw new Vit4jException(
                    "--requests, --rounds, --offline-batches and --concurrency must be positive, --warmup not negative");
        }
        if (modelOptions.models.isEmpty()) {
            throw new Vit4jException("give the model to load-test: -m [NAME=]MODEL");
        }
        Map<String, Supplier<LoadedModel>> sources = modelOptions.sources(err);
        if (sources.size() != 1) {
            throw new Vit4jException("loadtest measures one model: give one -m");
        }
        String name = sources.keySet().iterator().next();
        ServeOptions options = batching.options("127.0.0.1", 0, null, engineOptions);
        int n = options.maxBatch();
        List<Offline> offline = new ArrayList<>();
        Map<Integer, List<Level>> levels = new LinkedHashMap<>();
        List<byte[]> bodies;
        // The offline engine runs on its own copy of the model, in the same process, between the server's levels.
        // A signal stops the clients; the server then answers what it holds and closes before the engines are freed
        // (the JVM's own exit would free them under a batch still running in ONNX Runtime: a native crash).
        int stoppedWith = 0;
        try (StopOnSignal stop = new StopOnSignal();
                LoadedModel own = sources.get(name).get();
                InferenceEngine engine = engineOptions.open(own);
                VitServer server = VitServer.start(Map.of(name, sources.get(name)), options)) {
            bodies = images == null ? shapes(own.model().config().resolvedDataConfig()) : files(images);
            server.awaitReady();
            HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();
            String url = "http://127.0.0.1:" + server.port();
            if (warmup > 0) {
                drive(
                        client,
                        url,
                        name,
                        bodies,
                        concurrency.stream().mapToInt(Integer::intValue).max().orElse(1),
                        warmup,
                        new long[warmup],
                        stop::requested);
            }
            for (int round = 0; round < rounds && !stop.requested(); round++) {
                err.printf(Locale.ROOT, "loadtest: round %d of %d: the offline engine%n", round + 1, rounds);
                err.flush();
                offline.add(offline(engine, own, bodies, n));
                for (int c : concurrency) {
                    err.printf(
                            Locale.ROOT,
                            "loadtest: round %d of %d: %d client(s), %d requests%n",
                            round + 1,
                            rounds,
                            c,
                            requests);
                    err.flush();
                    int settle = Math.max(2 * c, requests / 10); // settle at this level
                    drive(client, url, name, bodies, c, settle, new long[settle], stop::requested);
                    String start = scrape(client, url);
                    long[] latencies = new long[requests];
                    long wall = drive(client, url, name, bodies, c, requests, latencies, stop::requested);
                    String end = scrape(client, url);
                    if (stop.requested()) {
                        break;
                    }
                    levels.computeIfAbsent(c, k -> new ArrayList<>())
                            .add(new Level(
                                    requests * 1e9 / wall,
                                    latencies,
                                    mean(start, end, "vit4j_batch_size"),
                                    1e3 * mean(start, end, "vit4j_prepare_seconds"),
                                    1e3 * mean(start, end, "vit4j_queue_wait_seconds"),
                                    1e3 * mean(start, end, "vit4j_inference_seconds")));
                }
            }
            if (stop.requested()) {
                stoppedWith = stop.exitStatus();
            }
        }
        if (stoppedWith != 0) {
            err.println("vit4j loadtest: stopped by a signal; no figures (a round was not finished)");
            err.flush();
            return stoppedWith;
        }
        double b1Ms = median(offline.stream().mapToDouble(Offline::batch1Millis));
        double bn = median(offline.stream().mapToDouble(Offline::batchNPerSecond));
        out.printf(
                Locale.ROOT,
                "%s · engine %s · %d cores · %d images (%s) · max batch %d, max delay %d ms · %d rounds%n",
                name,
                options.engine(),
                Runtime.getRuntime().availableProcessors(),
                bodies.size(),
                images == null ? "shapes PNG" : images.toString(),
                n,
                options.maxDelayMillis(),
                rounds);
        out.printf(
                Locale.ROOT,
                "offline engine (preprocessed input, medians over rounds): batch 1 %.1f images/s (%.2f ms), "
                        + "batch %d %.1f images/s%n",
                1e3 / b1Ms,
                b1Ms,
                n,
                bn);
        out.println("served over loopback (decode + preprocess + HTTP included; clients in this process); latency "
                + "percentiles over all rounds, other figures medians over rounds, the ratio paired per round:");
        out.printf(
                Locale.ROOT,
                "%11s %10s %8s %8s %8s %11s %14s  %s%n",
                "concurrency",
                "images/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "mean batch",
                "vs offline b" + n,
                "mean ms: prepare/image, to engine/image, engine/batch");
        double p50AtOne = Double.NaN;
        for (Map.Entry<Integer, List<Level>> e : levels.entrySet()) {
            List<Level> ls = e.getValue();
            long[] all = ls.stream()
                    .flatMapToLong(l -> java.util.Arrays.stream(l.latencies))
                    .toArray();
            double ratio = median(java.util.stream.IntStream.range(0, ls.size())
                    .mapToDouble(r -> ls.get(r).perSecond / offline.get(r).batchNPerSecond));
            double p50 = BenchCommand.percentile(all, 0.5) / 1e6;
            if (e.getKey() == 1) {
                p50AtOne = p50;
            }
            out.printf(
                    Locale.ROOT,
                    "%11d %10.1f %8.2f %8.2f %8.2f %11.2f %13.0f%%  %.2f, %.2f, %.2f%n",
                    e.getKey(),
                    median(ls.stream().mapToDouble(Level::perSecond)),
                    p50,
                    BenchCommand.percentile(all, 0.9) / 1e6,
                    BenchCommand.percentile(all, 0.99) / 1e6,
                    median(ls.stream().mapToDouble(Level::meanBatch)),
                    100 * ratio,
                    median(ls.stream().mapToDouble(Level::prepareMs)),
                    median(ls.stream().mapToDouble(Level::queuedMs)),
                    median(ls.stream().mapToDouble(Level::engineMs)));
        }
        if (!Double.isNaN(p50AtOne)) {
            out.printf(Locale.ROOT, "concurrency 1: p50 − offline batch-1 latency = %+.2f ms%n", p50AtOne - b1Ms);
        }
        out.flush();
        return 0;
    }

    private static double median(java.util.stream.DoubleStream values) {
        double[] v = values.sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private record Level(
            double perSecond, long[] latencies, double meanBatch, double prepareMs, double queuedMs, double engineMs) {}

    private record Offline(double batch1Millis, double batchNPerSecond) {}

    /** The engine alone on the images preprocessed: median batch time at batch 1 and batch {@code n}. */
    private Offline offline(InferenceEngine engine, LoadedModel model, List<byte[]> bodies, int n) {
        ModelPipeline pipeline = ModelPipeline.over(model, engine);
        List<ModelPipeline.Prepared> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            images.add(pipeline.prepare(new ModelPipeline.EncodedImage("image " + i, bodies.get(i % bodies.size()))));
        }
        double one = medianNanos(pipeline, pipeline.stack(images.subList(0, 1)), 1);
        double many = medianNanos(pipeline, pipeline.stack(images), n);
        return new Offline(one / 1e6, n * 1e9 / many);
    }

    private double medianNanos(ModelPipeline pipeline, float[] batch, int size) {
        for (int i = 0; i < 5; i++) {
            pipeline.run(batch, size, false);
        }
        long[] t = new long[offlineBatches];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            pipeline.run(batch, size, false);
            t[i] = System.nanoTime() - s;
        }
        return BenchCommand.percentile(t, 0.5);
    }

    /**
     * {@code clients} threads send back to back until {@code total} answers, or until {@code stop} says so; returns
     * the wall time in ns.
     */
    private static long drive(
            HttpClient client,
            String url,
            String name,
            List<byte[]> bodies,
            int clients,
            int total,
            long[] latencies,
            java.util.function.BooleanSupplier stop)
            throws Exception {
        URI target = URI.create(url + "/v1/models/" + name + "/predict");
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement();
                            i < total && !stop.getAsBoolean();
                            i = next.getAndIncrement()) {
                        HttpRequest r = HttpRequest.newBuilder(target)
                                .timeout(Duration.ofMinutes(1))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i % bodies.size())))
                                .build();
                        long s = System.nanoTime();
                        HttpResponse<byte[]> response = client.send(r, HttpResponse.BodyHandlers.ofByteArray());
                        latencies[i] = System.nanoTime() - s;
                        if (response.statusCode() != 200) {
                            throw new Vit4jException("the server answered " + response.statusCode() + ": "
                                    + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof Exception x ? x : e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return System.nanoTime() - start;
    }

    private static String scrape(HttpClient client, String url) throws IOException, InterruptedException {
        return client.send(
                        HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The mean of a Prometheus summary or histogram between two scrapes: Δsum / Δcount. */
    static double mean(String before, String after, String metric) {
        double[] b = sumAndCount(before, metric);
        double[] a = sumAndCount(after, metric);
        return a[1] == b[1] ? Double.NaN : (a[0] - b[0]) / (a[1] - b[1]);
    }

    private static double[] sumAndCount(String text, String metric) {
        double[] out = new double[2];
        for (String line : text.split("\n")) {
            boolean sum = line.startsWith(metric + "_sum");
            if (sum || line.startsWith(metric + "_count")) {
                out[sum ? 0 : 1] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return out;
    }

    private static List<byte[]> shapes(DataConfig d) {
        ShapesDataset set = new ShapesDataset(Math.max(d.height(), d.width()), 32, 11, "loadtest");
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            out.add(Png.encode(set.get(i).toImage()));
        }
        return out;
    }

    /**
     * The images to send: files, or a folder's images (recursively, in name order), as every command takes them; one
     * that cannot be read is named and left out now, not met as a 400 in the middle of a level.
     */
    private List<byte[]> files(Path input) throws IOException {
        List<byte[]> out = new ArrayList<>();
        List<Path> found = ImageBatches.expand(List.of(input));
        for (Path p : found) {
            try {
                ImageDecoder.read(p);
                out.add(Files.readAllBytes(p));
            } catch (Vit4jException e) {
                spec.commandLine().getErr().println("vit4j: skipped " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new Vit4jException("none of the " + found.size() + " images in " + input + " could be read");
        }
        return out;
    }
}
