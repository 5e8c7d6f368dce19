package dev.vit4j.serve;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.EngineType;

/**
 * How the server runs: where it listens, how requests are batched and bounded, which engine runs the models.
 *
 * @param host            address to bind (127.0.0.1 unless the user opens it)
 * @param port            0 for any free port
 * @param maxBatch        a batch runs once this many images are queued for a model...
 * @param maxDelayMillis  ...or once the oldest has waited this long while more were on their way
 * @param queueCapacity   images a model may have waiting; beyond it requests get 503 at once
 * @param timeoutMillis   a request's deadline, queueing and compute together (504 past it)
 * @param maxBodyBytes    request bodies above it get 413
 * @param maxPixels       images above it (width × height, read from the header) get 413
 * @param maxRequestPixels the pixels of all a request's images together (read from their headers) above which it
 *                        gets 413 before any is decoded: one request's preparation stays within a few seconds of CPU
 * @param maxResponseBytes an answer estimated larger (before anything is run) gets 413
 * @param headerTimeoutMillis a connection still sending its request line and headers this long after it started is
 *                        closed (slowloris clients)
 * @param maxImages       images one multipart request may carry (413 above, nothing of it run); at most the queue
 * @param apiKey          when set, every route but health needs {@code Authorization: Bearer KEY}
 * @param engine          the engine that runs every model
 * @param threads         ONNX Runtime's intra-op threads per batch run (0: the cores shared among the workers)
 * @param workers         batches a model runs at once, each preparing its next batch while another runs (0: one
 *                        per two cores, at least two; always one on the torch engine)
 * @param modelControl    whether the model repository routes (load, unload) are open: to loopback clients, or to
 *                        any client with the API key
 */
public record ServeOptions(
        String host,
        int port,
        int maxBatch,
        int maxDelayMillis,
        int queueCapacity,
        long timeoutMillis,
        long maxBodyBytes,
        long maxPixels,
        long maxRequestPixels,
        long maxResponseBytes,
        long headerTimeoutMillis,
        int maxImages,
        String apiKey,
        EngineType engine,
        int threads,
        int workers,
        boolean modelControl) {

    public ServeOptions {
        if (maxBatch < 1
                || maxDelayMillis < 0
                || queueCapacity < 1
                || timeoutMillis < 1
                || maxBodyBytes < 1
                || maxPixels < 1
                || maxRequestPixels < 1
                || maxResponseBytes < 1
                || headerTimeoutMillis < 1
                || threads < 0
                || workers < 0
                || port < 0
                || port > 65535) {
            throw Vit4jException.naming(
                    "serve: {maxBatch}, {queueCapacity}, {timeoutMillis}, {maxBodyBytes}, {maxPixels},"
                            + " {maxRequestPixels}, {maxResponseBytes} and {headerTimeoutMillis} must be positive,"
                            + " {maxDelayMillis}, {threads} and {workers} not negative, {port} 0..65535");
        }
        if (maxImages < 1 || maxImages > queueCapacity) {
            throw Vit4jException.naming(
                    "serve: {maxImages} must be 1..%s ({queueCapacity}: a request with more images could never be"
                            + " answered)",
                    queueCapacity);
        }
        if (apiKey != null && apiKey.isBlank()) {
            apiKey = null;
        }
    }

    public static final int DEFAULT_MAX_IMAGES = 64;
    /** 100 megapixels: 1.6–2.8 s of one core decoding and resizing, half that on two (docs/reliability.md). */
    public static final long DEFAULT_MAX_REQUEST_PIXELS = 100_000_000L;

    public static final long DEFAULT_MAX_RESPONSE_BYTES = 64L << 20;
    public static final long DEFAULT_HEADER_TIMEOUT_MILLIS = 10_000;

    public static ServeOptions defaults() {
        return new ServeOptions(
                "127.0.0.1",
                8080,
                8,
                5,
                256,
                30_000,
                20L << 20,
                40_000_000L,
                DEFAULT_MAX_REQUEST_PIXELS,
                DEFAULT_MAX_RESPONSE_BYTES,
                DEFAULT_HEADER_TIMEOUT_MILLIS,
                DEFAULT_MAX_IMAGES,
                null,
                EngineType.ONNX,
                0,
                0,
                false);
    }

    public ServeOptions withPort(int p) {
        return edit(b -> b.port = p);
    }

    public ServeOptions withBatching(int batch, int delayMillis, int capacity) {
        return edit(b -> {
            b.maxBatch = batch;
            b.maxDelayMillis = delayMillis;
            b.queueCapacity = capacity;
            b.maxImages = Math.min(maxImages, capacity);
        });
    }

    public ServeOptions withLimits(long timeout, long bodyBytes, long pixels) {
        return edit(b -> {
            b.timeoutMillis = timeout;
            b.maxBodyBytes = bodyBytes;
            b.maxPixels = pixels;
        });
    }

    /** What one request may cost: its images' pixels together, and its answer's bytes. */
    public ServeOptions withRequestLimits(long requestPixels, long responseBytes) {
        return edit(b -> {
            b.maxRequestPixels = requestPixels;
            b.maxResponseBytes = responseBytes;
        });
    }

    public ServeOptions withHeaderTimeout(long millis) {
        return edit(b -> b.headerTimeoutMillis = millis);
    }

    public ServeOptions withApiKey(String key) {
        return edit(b -> b.apiKey = key);
    }

    public ServeOptions withEngine(EngineType e, int t) {
        return edit(b -> {
            b.engine = e;
            b.threads = t;
        });
    }

    public ServeOptions withMaxImages(int images) {
        return edit(b -> b.maxImages = images);
    }

    public ServeOptions withWorkers(int w) {
        return edit(b -> b.workers = w);
    }

    public ServeOptions withModelControl(boolean on) {
        return edit(b -> b.modelControl = on);
    }

    /** These options with some changed: what the with-methods share (a record has no copy-with). */
    private ServeOptions edit(java.util.function.Consumer<Copy> change) {
        Copy b = new Copy(this);
        change.accept(b);
        return new ServeOptions(
                b.host,
                b.port,
                b.maxBatch,
                b.maxDelayMillis,
                b.queueCapacity,
                b.timeoutMillis,
                b.maxBodyBytes,
                b.maxPixels,
                b.maxRequestPixels,
                b.maxResponseBytes,
                b.headerTimeoutMillis,
                b.maxImages,
                b.apiKey,
                b.engine,
                b.threads,
                b.workers,
                b.modelControl);
    }

    private static final class Copy {
        String host;
        int port;
        int maxBatch;
        int maxDelayMillis;
        int queueCapacity;
        long timeoutMillis;
        long maxBodyBytes;
        long maxPixels;
        long maxRequestPixels;
        long maxResponseBytes;
        long headerTimeoutMillis;
        int maxImages;
        String apiKey;
        EngineType engine;
        int threads;
        int workers;
        boolean modelControl;

        Copy(ServeOptions o) {
            host = o.host;
            port = o.port;
            maxBatch = o.maxBatch;
            maxDelayMillis = o.maxDelayMillis;
            queueCapacity = o.queueCapacity;
            timeoutMillis = o.timeoutMillis;
            maxBodyBytes = o.maxBodyBytes;
            maxPixels = o.maxPixels;
            maxRequestPixels = o.maxRequestPixels;
            maxResponseBytes = o.maxResponseBytes;
            headerTimeoutMillis = o.headerTimeoutMillis;
            maxImages = o.maxImages;
            apiKey = o.apiKey;
            engine = o.engine;
            threads = o.threads;
            workers = o.workers;
            modelControl = o.modelControl;
        }
    }

    /** The workers a model's batcher runs: {@link #workers}, or its default for this machine. */
    public int workersPerModel() {
        if (engine == EngineType.TORCH) {
            return 1; // DJL's PyTorch model is not run from two threads at once
        }
        return workers > 0 ? workers : Math.max(2, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** ONNX Runtime threads for one batch run: {@link #threads}, or the cores shared among the workers. */
    public int threadsPerRun() {
        return threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / workersPerModel());
    }
}
