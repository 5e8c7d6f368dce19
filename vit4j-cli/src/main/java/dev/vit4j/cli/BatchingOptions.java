package dev.vit4j.cli;

import dev.vit4j.serve.ServeOptions;
import picocli.CommandLine.Option;

/** How a server batches and bounds its requests: shared by {@code serve} and {@code loadtest}'s own server. */
final class BatchingOptions {
    @Option(names = "--max-batch", defaultValue = "8", description = "Largest batch run at once.")
    int maxBatch;

    @Option(
            names = "--max-delay-ms",
            defaultValue = "5",
            description = "Longest an image waits for its batch to fill, while more are on their way.")
    int maxDelay;

    @Option(names = "--queue", defaultValue = "256", description = "Images a model may have waiting; beyond, 503.")
    int queue;

    @Option(names = "--timeout-ms", defaultValue = "30000", description = "A request's deadline (504 past it).")
    long timeout;

    @Option(names = "--max-body-mb", defaultValue = "20", description = "Largest request body (413 above).")
    long maxBodyMb;

    @Option(
            names = "--max-pixels",
            defaultValue = "40000000",
            description = "Largest image, width × height, read from its header before decoding (413 above).")
    long maxPixels;

    @Option(
            names = "--max-request-pixels",
            defaultValue = "" + ServeOptions.DEFAULT_MAX_REQUEST_PIXELS,
            description = "Most pixels of all one request's images together, read from their headers before any is"
                    + " decoded (413 above): one request cannot hold the cores for long.")
    long maxRequestPixels;

    @Option(
            names = "--max-response-mb",
            defaultValue = "64",
            description = "Largest answer, estimated before anything runs (413 above; ask for fewer outputs, or binary"
                    + " ones).")
    long maxResponseMb;

    @Option(
            names = "--header-timeout-ms",
            defaultValue = "" + ServeOptions.DEFAULT_HEADER_TIMEOUT_MILLIS,
            description =
                    "A connection still sending its request line and headers this long is closed (slow" + " clients).")
    long headerTimeout;

    @Option(
            names = "--max-images",
            defaultValue = "" + ServeOptions.DEFAULT_MAX_IMAGES,
            description =
                    "Most images in one request: a multipart form's files, a v2 tensor's first dimension (413 above,"
                            + " at most --queue).")
    int maxImages;

    @Option(
            names = "--workers",
            defaultValue = "0",
            description = "Batches a model runs at once; each prepares its next batch while another runs, with"
                    + " --threads engine threads (0: the cores shared among them); 0: one per two cores, at least 2"
                    + " (torch: 1).")
    int workers;

    ServeOptions options(String host, int port, String apiKey, EngineOptions engine) {
        return new ServeOptions(
                host,
                port,
                maxBatch,
                maxDelay,
                queue,
                timeout,
                maxBodyMb << 20,
                maxPixels,
                maxRequestPixels,
                maxResponseMb << 20,
                headerTimeout,
                Math.min(maxImages, queue),
                apiKey,
                engine.type(),
                engine.threads,
                workers,
                false);
    }
}
