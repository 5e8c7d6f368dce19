package dev.vit4j.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics (Micrometer): {@code vit4j_http_requests_seconds} (a latency histogram by route,
 * method and status), {@code vit4j_batch_size} (a histogram per model), {@code vit4j_queue_depth} (per model),
 * {@code vit4j_images_total} (per model; images/s is its {@code rate()}), and where a request's time goes, per
 * model: {@code vit4j_prepare_seconds} (decoding and preprocessing, per image), {@code vit4j_queue_wait_seconds}
 * (per image, from arrival to its batch's start on the engine: queueing and preparation) and
 * {@code vit4j_inference_seconds} (per batch, on the engine).
 */
final class ServerMetrics {
    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    void request(String route, String method, int status, long nanos) {
        Timer.builder("vit4j.http.requests")
                .description("HTTP requests by route, method and status")
                .tags("route", route, "method", method, "status", Integer.toString(status))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry)
                .record(Duration.ofNanos(nanos));
    }

    void prepared(String model, long nanos) {
        Timer.builder("vit4j.prepare")
                .description("Decoding and preprocessing, per image")
                .tag("model", model)
                .register(registry)
                .record(Duration.ofNanos(nanos));
    }

    void batchRun(String model, int size, long[] queuedNanos, long runNanos) {
        Timer.builder("vit4j.inference")
                .description("Engine time per batch")
                .tag("model", model)
                .register(registry)
                .record(Duration.ofNanos(runNanos));
        Timer wait = Timer.builder("vit4j.queue.wait")
                .description("From arrival to the engine: queueing and preparation")
                .tag("model", model)
                .register(registry);
        for (long q : queuedNanos) {
            wait.record(Duration.ofNanos(q));
        }
        DistributionSummary.builder("vit4j.batch.size")
                .description("Images per batch run on the engine")
                .tag("model", model)
                .serviceLevelObjectives(BATCH_BUCKETS)
                .register(registry)
                .record(size);
        Counter.builder("vit4j.images")
                .description("Images run (images/s: rate of this counter)")
                .tag("model", model)
                .register(registry)
                .increment(size);
    }

    /**
     * The queue depth of a model; a model loaded again under the same name replaces it. The gauge holds only a weak
     * reference to the source: an unloaded model is not kept alive by it, and reads NaN (dropped by {@link #forget}).
     */
    void queue(String model, IntSupplier depth) {
        forget(model);
        Gauge.builder("vit4j.queue.depth", depth, d -> d.getAsInt())
                .description("Images waiting for a batch")
                .tag("model", model)
                .register(registry);
    }

    /** Drops an unloaded model's queue gauge; its counters and timers stay, as Prometheus expects of counters. */
    void forget(String model) {
        Gauge g = registry.find("vit4j.queue.depth").tag("model", model).gauge();
        if (g != null) {
            registry.remove(g);
        }
    }

    String scrape() {
        return registry.scrape();
    }

    void close() {
        registry.close();
    }
}
