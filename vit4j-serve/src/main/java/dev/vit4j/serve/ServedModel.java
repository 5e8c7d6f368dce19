package dev.vit4j.serve;

import dev.vit4j.Vit4jException;
import dev.vit4j.image.EvalTransform;
import dev.vit4j.image.ImageDecoder;
import dev.vit4j.image.RgbImage;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.InferenceEngine;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.Predictor;
import dev.vit4j.models.DataConfig;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.weights.FloatTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One model behind the server: uploads are queued for the model's batcher, which decodes and preprocesses them
 * (in parallel, between engine runs; a bad image fails alone, with 400) and runs them together on the engine.
 * Attention requests have their own batcher, since they run the graph that also outputs attention.
 */
public final class ServedModel implements AutoCloseable {
    /** What the model saw (the resized, cropped image) and its normalized tensor. */
    record Prepared(RgbImage crop, float[] pixels) {}

    /** One image's outputs: logits, pooled features, and its attention tensors when asked for (else empty). */
    public record Result(float[] logits, float[] preLogits, Map<String, FloatTensor> attention, RgbImage crop) {}

    private final String name;
    private final LoadedModel model;
    private final InferenceEngine engine;
    private final DataConfig data;
    private final EvalTransform transform;
    private final ServeOptions options;
    private final ServerMetrics metrics;
    private final DynamicBatcher<byte[], Prepared, Result> plain;
    private final DynamicBatcher<byte[], Prepared, Result> probing;

    ServedModel(String name, LoadedModel model, ServeOptions options, ServerMetrics metrics, Executor preparers) {
        this.name = name;
        this.model = model;
        this.options = options;
        this.engine = options.engine().createOrCloseModel(model, options.threads());
        this.data = model.model().config().resolvedDataConfig();
        this.transform = new EvalTransform(data);
        this.metrics = metrics;
        DynamicBatcher.BatchListener listener = (size, queued, nanos) -> metrics.batchRun(name, size, queued, nanos);
        this.plain = new DynamicBatcher<>(
                name,
                options.maxBatch(),
                options.maxDelayMillis(),
                options.queueCapacity(),
                this::prepare,
                preparers,
                batch -> run(batch, false),
                listener);
        this.probing = new DynamicBatcher<>(
                name + "-attention",
                options.maxBatch(),
                options.maxDelayMillis(),
                options.queueCapacity(),
                this::prepare,
                preparers,
                batch -> run(batch, true),
                listener);
        metrics.queue(name, () -> plain.depth() + probing.depth());
    }

    public String name() {
        return name;
    }

    public ModelConfig config() {
        return model.model().config();
    }

    public DataConfig dataConfig() {
        return data;
    }

    public EngineType engineType() {
        return engine.type();
    }

    /** One batch of every size the batcher makes through both graphs, so the first requests pay no warm-up. */
    void warm() {
        for (int size = 1; size <= options.maxBatch(); size *= 2) {
            engine.run(new float[size * perImage()], shape(size), false);
        }
        engine.run(new float[perImage()], shape(1), true);
    }

    /** An image on its way through the batcher; {@link #await} gives its result. */
    public record Pending(CompletableFuture<Result> future, long deadlineNanos) {}

    /**
     * Queues an encoded image; {@code attention} also records the attention tensors. A bad image fails its own
     * {@link #await} with a {@link Vit4jException}, touching no other image of its batch.
     */
    public Pending submit(byte[] image, boolean attention, long deadlineNanos) {
        return new Pending((attention ? probing : plain).submit(() -> image, deadlineNanos), deadlineNanos);
    }

    /** The result, or a {@link TimeoutException} once the deadline passed (the image is then dropped if not yet run). */
    public Result await(Pending pending) throws TimeoutException {
        CompletableFuture<Result> result = pending.future();
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
        if (config().numClasses == 0) {
            throw new Vit4jException(name + " has no classifier (features only): use embed");
        }
        return Predictor.topK(logits, k, model.labels());
    }

    private Prepared prepare(byte[] image) {
        long start = System.nanoTime();
        RgbImage crop = transform.resizeAndCrop(ImageDecoder.read(image, "the uploaded image", options.maxPixels()));
        Prepared p = new Prepared(crop, transform.normalize(crop));
        metrics.prepared(name, System.nanoTime() - start);
        return p;
    }

    private List<Result> run(List<Prepared> batch, boolean attention) {
        int per = perImage();
        float[] input = new float[per * batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).pixels(), 0, input, i * per, per);
        }
        ModelOutputs out = engine.run(input, shape(batch.size()), attention);
        List<Result> results = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Map<String, FloatTensor> mine = new LinkedHashMap<>();
            for (Map.Entry<String, FloatTensor> e : out.attention().entrySet()) {
                mine.put(e.getKey(), e.getValue().select(i));
            }
            results.add(new Result(
                    out.logits() == null ? null : out.logits()[i],
                    out.preLogits()[i],
                    mine,
                    attention ? batch.get(i).crop() : null));
        }
        return results;
    }

    private int perImage() {
        return data.channels() * data.height() * data.width();
    }

    private long[] shape(int size) {
        return new long[] {size, data.channels(), data.height(), data.width()};
    }

    /** Finishes what is queued, then frees the engine and the weights. */
    @Override
    public void close() {
        try {
            plain.close();
            probing.close();
            engine.close();
        } finally {
            model.close();
        }
    }
}
