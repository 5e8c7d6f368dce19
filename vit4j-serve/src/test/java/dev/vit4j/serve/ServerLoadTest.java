package dev.vit4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4j;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.Prediction;
import dev.vit4j.models.ModelRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load and faults over loopback, every loop bounded: many clients with good and bad images, queue overflow and
 * recovery, deadlines, clients that vanish mid-upload or mid-response, resident memory over many requests. Sizes are
 * scaled for {@code mvn verify}; {@code -Dvit4j.serve.clients=32 -Dvit4j.serve.requests=200
 * -Dvit4j.serve.rssRequests=20000} runs them at the sizes docs/serving.md reports.
 */
class ServerLoadTest {
    private static final int CLIENTS = Integer.getInteger("vit4j.serve.clients", 32);
    private static final int REQUESTS = Integer.getInteger("vit4j.serve.requests", 20);
    private static final int RSS_REQUESTS = Integer.getInteger("vit4j.serve.rssRequests", 3000);
    private static final int DISTINCT = 40;

    @TempDir
    static Path dir;

    static Path shapes;
    static VitServer server;
    static Http http;
    static final List<byte[]> good = new ArrayList<>();
    static final List<int[]> expected = new ArrayList<>();
    static final List<byte[]> bad = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        shapes = ServeFixtures.shapesModel(dir);
        server = VitServer.start(
                Map.of("shapes", () -> LoadedModel.load((String) null, shapes)),
                ServeOptions.defaults().withPort(0).withEngine(EngineType.ONNX, 1));
        server.awaitReady();
        http = new Http(server.port());
        try (Vit4j library =
                Vit4j.load(shapes.toString(), Vit4j.Options.defaults().withThreads(1))) {
            for (int i = 0; i < DISTINCT; i++) {
                byte[] png = ServeFixtures.shapePng(100 + i);
                good.add(png);
                expected.add(library.predict(png, 5).stream()
                        .mapToInt(Prediction::index)
                        .toArray());
            }
        }
        byte[] png = good.get(0);
        bad.add("GIF89a but not really".getBytes(StandardCharsets.US_ASCII));
        bad.add(Arrays.copyOf(png, png.length / 2));
        bad.add(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13});
        bad.add(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void manyClientsWithGoodAndBadImagesGetExactlyTheirAnswers() throws Exception {
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger wrong = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(pool.submit(() -> {
                for (int r = 0; r < REQUESTS; r++) {
                    int n = client * REQUESTS + r;
                    boolean isBad = n % 5 == 3;
                    byte[] image = isBad ? bad.get(n % bad.size()) : good.get(n % DISTINCT);
                    Http.Reply reply = http.post("/v1/models/shapes/predict", image);
                    statuses.computeIfAbsent(reply.status(), s -> new AtomicInteger())
                            .incrementAndGet();
                    if (isBad
                            ? reply.status() != 400 || !reply.json().has("error")
                            : reply.status() != 200
                                    || !Arrays.equals(expected.get(n % DISTINCT), indices(reply.json()))) {
                        wrong.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : clients) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();
        int total = CLIENTS * REQUESTS;
        int bads = (int) java.util.stream.IntStream.range(0, total)
                .filter(n -> n % 5 == 3)
                .count();
        assertEquals(0, wrong.get(), "wrong answers; statuses " + statuses);
        assertEquals(
                Map.of(200, total - bads, 400, bads), Map.of(200, count(statuses, 200), 400, count(statuses, 400)));
        assertEquals(
                total, statuses.values().stream().mapToInt(AtomicInteger::get).sum(), "statuses " + statuses);
        double meanBatch = meanBatch(http.get("/metrics").text());
        System.out.printf(
                "[load] %d clients × %d requests: %s, mean batch %.2f%n", CLIENTS, REQUESTS, statuses, meanBatch);
        assertTrue(meanBatch > 1.5, "concurrent requests should share batches: mean " + meanBatch);
    }

    @Test
    void aFullQueueAnswers503AtOnceAndTheServerRecovers() throws Exception {
        // DeiT-Ti at 224 (random weights): slow enough on one thread that 32 clients overrun a queue of 2.
        ServeOptions o = ServeOptions.defaults()
                .withPort(0)
                .withEngine(EngineType.ONNX, 1)
                .withBatching(2, 1, 2);
        Supplier<LoadedModel> deit =
                () -> LoadedModel.initialized(ModelRegistry.defaults().config("deit_tiny_patch16_224"), 1);
        byte[] photo = ServeFixtures.resource("/fixtures/images/portrait.png");
        try (VitServer small = VitServer.start(Map.of("deit", deit), o)) {
            small.awaitReady();
            Http h = new Http(small.port());
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            AtomicInteger retryAfter = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(32);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                clients.add(pool.submit(() -> {
                    for (int r = 0; r < 4; r++) {
                        Http.Reply reply = h.post("/v1/models/deit/predict", photo);
                        statuses.computeIfAbsent(reply.status(), s -> new AtomicInteger())
                                .incrementAndGet();
                        if (reply.status() == 503 && "1".equals(reply.header("Retry-After"))) {
                            retryAfter.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertTrue(count(statuses, 503) > 0, "no overflow: " + statuses);
            assertEquals(count(statuses, 503), retryAfter.get());
            assertEquals(128, count(statuses, 200) + count(statuses, 503), "only 200 and 503: " + statuses);
            assertEquals(200, h.post("/v1/models/deit/predict", photo).status(), "recovered");
            assertTrue(h.get("/metrics").text().contains("vit4j_queue_depth{model=\"deit\"} 0.0"));
        }
        ServeOptions strict = ServeOptions.defaults()
                .withPort(0)
                .withEngine(EngineType.ONNX, 1)
                .withLimits(1, 20L << 20, 40_000_000);
        try (VitServer hurried = VitServer.start(Map.of("deit", deit), strict)) {
            hurried.awaitReady();
            Http.Reply late = new Http(hurried.port()).post("/v1/models/deit/predict", photo);
            VitServerTest.assertError(late, 504, "1 ms");
        }
    }

    @Test
    void clientsThatVanishCostNothing() throws Exception {
        byte[] image = good.get(1);
        for (int i = 0; i < 40; i++) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(
                        ("POST /v1/models/shapes/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                                        + "Content-Length: " + (i % 2 == 0 ? image.length * 10 : image.length)
                                        + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                // Even: gone after half the promised body. Odd: the whole request, then gone before the answer.
                out.write(image, 0, i % 2 == 0 ? image.length / 2 : image.length);
                out.flush();
            }
        }
        for (int i = 0; i < 10; i++) {
            Http.Reply r = http.post("/v1/models/shapes/predict", good.get(i));
            assertEquals(200, r.status());
            assertTrue(Arrays.equals(expected.get(i), indices(r.json())));
        }
        String metrics = http.get("/metrics").text();
        assertTrue(
                !metrics.contains("status=\"500\""),
                "no 500 after disconnects: "
                        + metrics.lines()
                                .filter(l -> l.contains("500") && l.contains("_count"))
                                .toList());
        assertTrue(metrics.contains("status=\"499\""), "uploads cut short are counted as 499 (client closed request)");
        assertTrue(metrics.contains("vit4j_queue_depth{model=\"shapes\"} 0.0"), "nothing left queued");
    }

    @Test
    void residentMemoryStaysFlat() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        runRequests(pool, 600); // warm-up: JIT, Jetty's buffers, ORT arenas
        long before = rssKb();
        runRequests(pool, RSS_REQUESTS);
        long after = rssKb();
        pool.shutdown();
        System.out.printf("[rss] %d requests: RSS %d → %d kB (%+d kB)%n", RSS_REQUESTS, before, after, after - before);
        assertTrue(
                after - before < 64 * 1024, "RSS grew " + (after - before) + " kB over " + RSS_REQUESTS + " requests");
    }

    private static void runRequests(ExecutorService pool, int n) throws Exception {
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            results.add(pool.submit(() -> http.post(
                            k % 10 == 9 ? "/v1/models/shapes/attention" : "/v1/models/shapes/predict",
                            k % 7 == 6 ? bad.get(k % bad.size()) : good.get(k % DISTINCT))
                    .status()));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i % 7 == 6 ? 400 : 200, results.get(i).get(5, TimeUnit.MINUTES));
        }
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }

    private static int[] indices(JsonNode reply) {
        JsonNode p = reply.get("predictions");
        int[] out = new int[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i).get("index").asInt();
        }
        return out;
    }

    private static int count(Map<Integer, AtomicInteger> statuses, int status) {
        AtomicInteger n = statuses.get(status);
        return n == null ? 0 : n.get();
    }

    /** The mean of vit4j_batch_size over the server's life, from its Prometheus text. */
    static double meanBatch(String metrics) {
        double sum = 0;
        double count = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("vit4j_batch_size_sum")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("vit4j_batch_size_count")) {
                count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return count == 0 ? 0 : sum / count;
    }
}
