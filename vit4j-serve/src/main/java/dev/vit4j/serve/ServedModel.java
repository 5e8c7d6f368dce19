package dev.vit4j.serve;

import dev.vit4j.Vit4jException;
import dev.vit4j.image.RgbImage;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.Prediction;
import dev.vit4j.models.DataConfig;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.weights.FloatTensor;
import java.util.ArrayList;
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
    /** One image's outputs: logits, pooled features, and its attention tensors when asked for (else empty). */
    public record Result(float[] logits, float[] preLogits, Map<String, FloatTensor> attention, RgbImage crop) {}

    private final String name;
    private final ModelPipeline pipeline;
    private final ServeOptions options;
    private final ServerMetrics metrics;
    private final DynamicBatcher<byte[], ModelPipeline.Prepared, Result> plain;
    private final DynamicBatcher<byte[], ModelPipeline.Prepared, Result> probing;

    ServedModel(String name, LoadedModel model, ServeOptions options, ServerMetrics metrics, Executor preparers) {
        this.name = name;
        this.pipeline = ModelPipeline.open(model, options.engine(), options.threads());
        this.options = options;
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
        return pipeline.config();
    }

    public DataConfig dataConfig() {
        return pipeline.dataConfig();
    }

    public EngineType engineType() {
        return pipeline.engine().type();
    }

    /** One batch of every size the batcher makes through both graphs, so the first requests pay no warm-up. */
    void warm() {
        for (int size = 1; size <= options.maxBatch(); size *= 2) {
            pipeline.run(new float[size * pipeline.inputSize()], size, false);
        }
        pipeline.run(new float[pipeline.inputSize()], 1, true);
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
        return pipeline.topK(logits, k);
    }

    private ModelPipeline.Prepared prepare(byte[] image) {
        long start = System.nanoTime();
        ModelPipeline.Prepared p = pipeline.prepare(image, "the uploaded image", options.maxPixels());
        metrics.prepared(name, System.nanoTime() - start);
        return p;
    }

    private List<Result> run(List<ModelPipeline.Prepared> batch, boolean attention) {
        List<ModelPipeline.ImageOutputs> outputs = pipeline.run(batch, attention);
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
        } finally {
            pipeline.close();
        }
    }
}
