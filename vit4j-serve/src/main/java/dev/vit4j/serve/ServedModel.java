package dev.vit4j.serve;

import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import dev.vit4j.image.RgbImage;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.weights.FloatTensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * One model behind the server: uploads are queued for the model's batcher, whose workers decode and preprocess them
 * (a bad image fails alone, with 400) and run them together on the engine; already preprocessed tensors join the same
 * batches. Attention requests have their own batcher, since they run the graph that also outputs attention. Requests
 * {@link #enter} and {@link #exit} the model, so that {@link #retire} (an unload) lets those under way finish.
 */
public final class ServedModel implements AutoCloseable {
    /** One image's outputs: logits, pooled features, and its attention tensors when asked for (else empty). */
    public record Result(float[] logits, float[] preLogits, Map<String, FloatTensor> attention, RgbImage crop) {}

    /** How a batch of prepared images is run: the pipeline's own way, or a test's (to force a failure). */
    @FunctionalInterface
    interface Runs {
        Runs PIPELINE = ModelPipeline::run;

        List<ModelPipeline.ImageOutputs> run(
                ModelPipeline pipeline, List<ModelPipeline.Prepared> batch, boolean attention);
    }

    /** One input as it arrives: an encoded image, or an image already preprocessed to the model's C × H × W. */
    private record Input(byte[] encoded, float[] pixels) {}

    private final String name;
    private final ModelPipeline pipeline;
    private final ServeOptions options;
    private final ServerMetrics metrics;
    private final Runs runs;
    private final DynamicBatcher<Input, ModelPipeline.Prepared, Result> plain;
    private final DynamicBatcher<Input, ModelPipeline.Prepared, Result> probing;
    /** A two-tower model's texts, batched as its images are; null for an image model. */
    private final DynamicBatcher<String, int[], float[]> texts;
    /**
     * Zero-shot label embeddings being computed, by (labels, templates): one build per set whatever the number of
     * requests waiting for it, on its own thread, finishing even when the request that started it has timed out (the
     * next one then finds it in the pipeline's cache).
     */
    private final Map<List<List<String>>, CompletableFuture<ZeroShotClassifier>> labelBuilds =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.concurrent.ExecutorService labelBuilder;
    /** Each output's shape for one image, as the warm-up runs gave them: logits, pre_logits, attention.BLOCK. */
    private final Map<String, long[]> outputShapes = new LinkedHashMap<>();

    /** Held here: the metrics' gauge references it weakly, so that an unloaded model is not kept alive by it. */
    private final IntSupplier queueDepth;

    private final AtomicInteger users = new AtomicInteger();
    private volatile boolean retired;

    ServedModel(
            String name,
            LoadedModel model,
            ServeOptions options,
            ServerMetrics metrics,
            Executor preparers,
            ServerHealth health,
            Runs runs) {
        this.name = name;
        this.pipeline = ModelPipeline.open(model, options.engine(), options.threadsPerRun());
        this.options = options;
        this.metrics = metrics;
        this.runs = runs;
        DynamicBatcher.BatchListener listener = (size, queued, nanos) -> metrics.batchRun(name, size, queued, nanos);
        this.plain = new DynamicBatcher<>(
                name,
                options.maxBatch(),
                options.maxDelayMillis(),
                options.queueCapacity(),
                options.workersPerModel(),
                this::prepare,
                preparers,
                batch -> run(batch, false),
                listener,
                health);
        this.probing = new DynamicBatcher<>(
                name + "-attention",
                options.maxBatch(),
                options.maxDelayMillis(),
                options.queueCapacity(),
                1,
                this::prepare,
                preparers,
                batch -> run(batch, true),
                listener,
                health);
        this.texts = pipeline.hasText()
                ? new DynamicBatcher<>(
                        name + "-text",
                        options.maxBatch(),
                        options.maxDelayMillis(),
                        options.queueCapacity(),
                        1,
                        pipeline::tokenize,
                        preparers,
                        pipeline::runTokens,
                        listener,
                        health)
                : null;
        this.labelBuilder = texts == null
                ? null
                : java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, name + "-labels");
                    t.setDaemon(true);
                    return t;
                });
        this.queueDepth = () -> plain.depth() + probing.depth() + (texts == null ? 0 : texts.depth());
        metrics.queue(name, queueDepth);
    }

    /** The model's pipeline, for what runs outside the batchers (an index's fingerprint when it opens). */
    ModelPipeline pipeline() {
        return pipeline;
    }

    public String name() {
        return name;
    }

    public ModelConfig config() {
        return pipeline.config();
    }

    public DataConfig dataConfig() {
        return pipeline.dataConfig();
    }

    public EngineType engineType() {
        return pipeline.engine().type();
    }

    /**
     * One batch of every size the batcher makes through both graphs, so the first requests pay no warm-up; records
     * the outputs' shapes.
     */
    void warm() {
        for (int size = 1; size <= options.maxBatch(); size *= 2) {
            pipeline.run(new float[size * pipeline.inputSize()], size, false);
        }
        ModelPipeline.ImageOutputs one =
                pipeline.run(new float[pipeline.inputSize()], 1, true).get(0);
        if (one.logits() != null) {
            outputShapes.put("logits", new long[] {one.logits().length});
        }
        outputShapes.put("pre_logits", new long[] {one.preLogits().length});
        one.attention().forEach((key, tensor) -> outputShapes.put(key, tensor.shape()));
        if (pipeline.hasText()) {
            int[] empty = pipeline.tokenize("");
            for (int size = 1; size <= options.maxBatch(); size *= 2) {
                textEmbeddingSize = pipeline.runTokens(java.util.Collections.nCopies(size, empty))
                        .get(0)
                        .length;
            }
        }
    }

    private int textEmbeddingSize;

    /** Whether the model embeds texts too (CLIP, SigLIP). */
    public boolean hasText() {
        return texts != null;
    }

    /** Refuses a model without a text tower (a 400, before the request's body is read). */
    public void requireText() {
        pipeline.requireText();
    }

    /** How text scores against images: "softmax" (CLIP) or "sigmoid" (SigLIP); null for an image model. */
    public String scoring() {
        return hasText() ? pipeline.model().text().config().scoring() : null;
    }

    /** The text tower's context length in tokens; 0 for an image model. */
    public int contextLength() {
        return hasText() ? pipeline.tokenizer().contextLength() : 0;
    }

    /** The length of a text embedding (the joint space's size), known once warmed; 0 for an image model. */
    public int textEmbeddingSize() {
        return textEmbeddingSize;
    }

    /** The heap one text holds on its way through: its token ids and its embedding. */
    long bytesPerText() {
        return Integer.BYTES * 2L * pipeline.tokenizer().contextLength() + Float.BYTES * (long) textEmbeddingSize;
    }

    /**
     * Queues a text for the text tower; its {@link #await} gives its embedding in the joint space (not normalized). A
     * text the tokenizer refuses fails alone.
     */
    public Pending<float[]> submitText(String text, long deadlineNanos) {
        requireText();
        return new Pending<>(texts.submit(() -> text, deadlineNanos), deadlineNanos);
    }

    /** Label sets whose embeddings may be computed at once; a request for another one meanwhile is a 503. */
    static final int MAX_LABEL_BUILDS = 4;

    /**
     * A zero-shot classifier into {@code labels} prompted by {@code templates}, waited for until {@code deadlineNanos}.
     * Its prompts go through the text batcher a window at a time (never more than half its queue), so that requests
     * keep their room; once built it is kept by the model's pipeline.
     */
    public ZeroShotClassifier zeroShot(List<String> labels, List<String> templates, long deadlineNanos)
            throws TimeoutException {
        requireText();
        ZeroShotClassifier.check(labels, templates);
        List<List<String>> key = List.of(List.copyOf(labels), List.copyOf(templates));
        CompletableFuture<ZeroShotClassifier> build = labelBuilds.get(key);
        if (build == null) {
            if (labelBuilds.size() >= MAX_LABEL_BUILDS) {
                throw new QueueFullException(name + ": the label embeddings of " + labelBuilds.size()
                        + " other label sets are being computed");
            }
            build = labelBuilds.computeIfAbsent(key, k -> {
                CompletableFuture<ZeroShotClassifier> f =
                        CompletableFuture.supplyAsync(() -> buildClassifier(k.get(0), k.get(1)), labelBuilder);
                f.whenComplete((c, e) -> labelBuilds.remove(k, f));
                return f;
            });
        }
        try {
            return build.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("the label embeddings of " + (long) labels.size() * templates.size()
                    + " prompts (" + labels.size() + " labels × " + templates.size() + " templates) are still being"
                    + " computed; they are kept when done: ask again");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueueFullException(name + ": interrupted");
        }
    }

    /** The prompts through the text batcher, a window at a time, each window within the request timeout. */
    private ZeroShotClassifier buildClassifier(List<String> labels, List<String> templates) {
        int window = Math.max(1, Math.min(options.queueCapacity() / 2, 16 * options.maxBatch()));
        return pipeline.zeroShotEmbeddedBy(labels, templates, prompts -> {
            List<float[]> out = new ArrayList<>(prompts.size());
            for (int from = 0; from < prompts.size(); from += window) {
                List<String> part = prompts.subList(from, Math.min(prompts.size(), from + window));
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis());
                try {
                    embedTexts(part, deadline).forEach(e -> out.add(ZeroShotClassifier.normalize(e)));
                } catch (TimeoutException e) {
                    throw new QueueFullException(name + ": the text tower fell behind while embedding labels");
                }
            }
            return out;
        });
    }

    /**
     * Texts through the text batcher, all queued at once (or none: a full queue refuses them), their embeddings in
     * order, not normalized. When one fails or the deadline passes the others are cancelled; among several, a failing
     * text is named by its position.
     */
    List<float[]> embedTexts(List<String> texts, long deadlineNanos) throws TimeoutException {
        int n = texts.size();
        List<Pending<float[]>> pending = submitAll(n, i -> submitText(texts.get(i), deadlineNanos));
        List<float[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                out.add(await(pending.get(i)));
            } catch (Vit4jException e) {
                pending.forEach(p -> p.future().cancel(false));
                throw n == 1 ? e : new Vit4jException("text " + i + " of " + n + ": " + e.getMessage());
            } catch (TimeoutException e) {
                pending.forEach(p -> p.future().cancel(false));
                throw e;
            }
        }
        return out;
    }

    /** The image's embedding in the joint space, as zero-shot classification reads it. */
    public float[] imageEmbedding(Result r) {
        return new dev.vit4j.inference.Embedding(dev.vit4j.inference.Embedding.Output.HEAD, false)
                .of(r.logits(), r.preLogits());
    }

    /** The outputs a request may ask for, each with its shape for one image (known once warmed). */
    public Map<String, long[]> outputShapes() {
        return Collections.unmodifiableMap(outputShapes);
    }

    /**
     * The heap one image holds on its way through: its preprocessed tensor (and its copy in the stacked batch), the
     * crop the model saw, and its outputs — with {@code attention}, every block's attention tensors.
     */
    long bytesPerImage(boolean attention) {
        DataConfig d = pipeline.dataConfig();
        long values = 0;
        for (Map.Entry<String, long[]> e : outputShapes.entrySet()) {
            if (attention || !e.getKey().startsWith("attention.")) {
                long n = 1;
                for (long dim : e.getValue()) {
                    n *= dim;
                }
                values += n;
            }
        }
        return 2L * Float.BYTES * pipeline.inputSize() + 3L * d.height() * d.width() + Float.BYTES * values;
    }

    /** The model's input for one image: channels, height, width. */
    public int[] inputShape() {
        DataConfig d = pipeline.dataConfig();
        return new int[] {d.channels(), d.height(), d.width()};
    }

    /** A request starts using this model; false once it is being unloaded (then the request must not use it). */
    boolean enter() {
        users.incrementAndGet();
        if (retired) {
            users.decrementAndGet();
            return false;
        }
        return true;
    }

    /** The request that {@link #enter}ed is done with the model. */
    void exit() {
        users.decrementAndGet();
    }

    /**
     * Takes no new requests, waits (at most {@code timeoutMillis} past the requests' own deadline) for those that
     * entered to finish, then frees the model.
     */
    void retire() {
        retired = true;
        awaitZero(users, TimeUnit.MILLISECONDS.toNanos(2 * options.timeoutMillis()));
        close();
    }

    /** Waits, at most {@code nanos}, for {@code count} to reach zero (requests to finish); interruptible. */
    static void awaitZero(AtomicInteger count, long nanos) {
        long until = System.nanoTime() + nanos;
        while (count.get() > 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** An input on its way through a batcher; {@link #await} gives its result. */
    public record Pending<T>(CompletableFuture<T> future, long deadlineNanos) {}

    /**
     * Queues an encoded image; {@code attention} also records the attention tensors. A bad image fails its own
     * {@link #await} with a {@link Vit4jException}, touching no other image of its batch.
     */
    public Pending<Result> submit(byte[] image, boolean attention, long deadlineNanos) {
        return submit(new Input(image, null), attention, deadlineNanos);
    }

    /**
     * Queues one image already preprocessed as the model's eval transform does ({@link #inputShape}, C × H × W):
     * the engine runs it as given.
     */
    public Pending<Result> submitPixels(float[] pixels, boolean attention, long deadlineNanos) {
        if (pixels.length != pipeline.inputSize()) {
            throw new Vit4jException(
                    name + " takes " + pipeline.inputSize() + " values per image, not " + pixels.length);
        }
        return submit(new Input(null, pixels), attention, deadlineNanos);
    }

    /**
     * Queues {@code count} images of one request, {@code submit} queuing the i-th: all of them, or, when one is refused
     * (a full queue: a 503 for the request), none — those already queued are cancelled before the refusal is rethrown.
     */
    static <T> List<Pending<T>> submitAll(int count, IntFunction<Pending<T>> submit) {
        List<Pending<T>> pending = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                pending.add(submit.apply(i));
            }
        } catch (RuntimeException refused) {
            pending.forEach(p -> p.future().cancel(false));
            throw refused;
        }
        return pending;
    }

    private Pending<Result> submit(Input input, boolean attention, long deadlineNanos) {
        return new Pending<>((attention ? probing : plain).submit(() -> input, deadlineNanos), deadlineNanos);
    }

    /** The result, or a {@link TimeoutException} once the deadline passed (the image is then dropped if not yet run). */
    public <T> T await(Pending<T> pending) throws TimeoutException {
        CompletableFuture<T> result = pending.future();
        try {
            return result.get(Math.max(0, pending.deadlineNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            result.cancel(false);
            throw new TimeoutException(name + ": no answer within " + options.timeoutMillis() + " ms");
        } catch (InterruptedException e) {
            result.cancel(false);
            Thread.currentThread().interrupt();
            throw new TimeoutException(name + ": interrupted while waiting");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException t) {
                throw new TimeoutException(name + ": " + t.getMessage() + " (" + options.timeoutMillis() + " ms)");
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** The top {@code k} classes; refused for a features-only model. */
    public List<Prediction> topK(float[] logits, int k) {
        return pipeline.topK(logits, k);
    }

    private ModelPipeline.Prepared prepare(Input input) {
        if (input.pixels() != null) {
            return new ModelPipeline.Prepared(null, input.pixels());
        }
        long start = System.nanoTime();
        ModelPipeline.Prepared p = pipeline.prepare(input.encoded(), "the uploaded image", options.maxPixels());
        metrics.prepared(name, System.nanoTime() - start);
        return p;
    }

    private List<Result> run(List<ModelPipeline.Prepared> batch, boolean attention) {
        List<ModelPipeline.ImageOutputs> outputs = runs.run(pipeline, batch, attention);
        List<Result> results = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            ModelPipeline.ImageOutputs o = outputs.get(i);
            results.add(new Result(
                    o.logits(),
                    o.preLogits(),
                    o.attention(),
                    attention ? batch.get(i).crop() : null));
        }
        return results;
    }

    /** Finishes what is queued, then frees the engine and the weights. */
    @Override
    public void close() {
        try {
            plain.close();
            probing.close();
            if (texts != null) {
                labelBuilder.shutdownNow();
                texts.close();
            }
        } finally {
            pipeline.close();
        }
    }
}
