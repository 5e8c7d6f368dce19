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
 * @param maxImages       images one multipart request may carry (413 above, nothing of it run); at most the queue
 * @param apiKey          when set, every route but health needs {@code Authorization: Bearer KEY}
 * @param engine          the engine that runs every model
 * @param threads         ONNX Runtime's intra-op threads (0: every core)
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
        int maxImages,
        String apiKey,
        EngineType engine,
        int threads) {

    public ServeOptions {
        if (maxBatch < 1
                || maxDelayMillis < 0
                || queueCapacity < 1
                || timeoutMillis < 1
                || maxBodyBytes < 1
                || maxPixels < 1
                || threads < 0
                || port < 0
                || port > 65535) {
            throw Vit4jException.naming("serve: {maxBatch}, {queueCapacity}, {timeoutMillis}, {maxBodyBytes} and"
                    + " {maxPixels} must be positive, {maxDelayMillis} and {threads} not negative, {port} 0..65535");
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
                DEFAULT_MAX_IMAGES,
                null,
                EngineType.ONNX,
                0);
    }

    public ServeOptions withPort(int p) {
        return new ServeOptions(
                host,
                p,
                maxBatch,
                maxDelayMillis,
                queueCapacity,
                timeoutMillis,
                maxBodyBytes,
                maxPixels,
                maxImages,
                apiKey,
                engine,
                threads);
    }

    public ServeOptions withBatching(int batch, int delayMillis, int capacity) {
        return new ServeOptions(
                host,
                port,
                batch,
                delayMillis,
                capacity,
                timeoutMillis,
                maxBodyBytes,
                maxPixels,
                Math.min(maxImages, capacity),
                apiKey,
                engine,
                threads);
    }

    public ServeOptions withLimits(long timeout, long bodyBytes, long pixels) {
        return new ServeOptions(
                host,
                port,
                maxBatch,
                maxDelayMillis,
                queueCapacity,
                timeout,
                bodyBytes,
                pixels,
                maxImages,
                apiKey,
                engine,
                threads);
    }

    public ServeOptions withApiKey(String key) {
        return new ServeOptions(
                host,
                port,
                maxBatch,
                maxDelayMillis,
                queueCapacity,
                timeoutMillis,
                maxBodyBytes,
                maxPixels,
                maxImages,
                key,
                engine,
                threads);
    }

    public ServeOptions withEngine(EngineType e, int t) {
        return new ServeOptions(
                host,
                port,
                maxBatch,
                maxDelayMillis,
                queueCapacity,
                timeoutMillis,
                maxBodyBytes,
                maxPixels,
                maxImages,
                apiKey,
                e,
                t);
    }

    public ServeOptions withMaxImages(int images) {
        return new ServeOptions(
                host,
                port,
                maxBatch,
                maxDelayMillis,
                queueCapacity,
                timeoutMillis,
                maxBodyBytes,
                maxPixels,
                images,
                apiKey,
                engine,
                threads);
    }
}
