package dev.vit4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.weights.HostileFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round four's hostile client: what a request or a load will take is estimated and reserved before it is allocated
 * (503 while others hold the memory, 413 if it never fits), answers are bounded, a model name is never orphaned, and
 * an OutOfMemoryError stops the server instead of running ONNX Runtime on a broken heap. The test JVM has a 1 GB heap.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerBudgetTest {
    @TempDir
    static Path dir;

    private Path vit;
    private VitServer server;
    private Http http;

    /** Where the test's load requests come from: a model directory, a weights file for vit_micro, or a slow failure. */
    private final VitServer.ModelSources sources = (model, weights) -> () -> {
        if (model.equals("fails-slowly")) {
            sleep(1_500);
            throw new Vit4jException("cannot reach the Hub (a test's offline load)");
        }
        return weights == null ? LoadedModel.load((String) null, Path.of(model)) : LoadedModel.load(model, weights);
    };

    @BeforeAll
    void start() throws IOException {
        vit = ServeFixtures.vitMicro(dir);
        Map<String, Supplier<LoadedModel>> models = new LinkedHashMap<>();
        models.put("vit", () -> LoadedModel.load((String) null, vit));
        server = VitServer.start(
                models,
                ServeOptions.defaults()
                        .withPort(0)
                        .withEngine(EngineType.ONNX, 1)
                        .withModelControl(true)
                        .withRequestLimits(10_000, 256 << 10),
                sources);
        server.awaitReady();
        http = new Http(server.port());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /**
     * Three loads at once of a 1 MB .npz declaring 300 MB of arrays (each fits the budget alone; together they do not)
     * while two clients predict: the server stays up and answers everyone, the loads one line each (never 500), the
     * predictions all 200. Before the budget, each load passed a free-heap check on its own and together they
     * exhausted the heap (OutOfMemoryErrors on the batcher threads; once, a SIGSEGV in ONNX Runtime).
     */
    @Test
    void concurrentOverBudgetLoadsAreRefusedWhileTrafficIsServed() throws Exception {
        Path bomb = npzBomb(dir.resolve("bomb.npz"), 150L << 20);
        byte[] image = ServeFixtures.shapePng(3);
        List<Integer> predictions = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> traffic = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread th = new Thread(() -> {
                while (!done.get()) {
                    predictions.add(
                            http.post("/v1/models/vit/predict?k=1", image).status());
                }
            });
            th.start();
            traffic.add(th);
        }
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Http.Reply>> loads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String body = loadBomb(bomb);
            int n = i;
            loads.add(CompletableFuture.supplyAsync(() -> {
                await(go);
                return postJson("/v2/repository/models/bomb" + n + "/load", body);
            }));
        }
        go.countDown();
        List<Integer> loadStatuses = new ArrayList<>();
        for (CompletableFuture<Http.Reply> l : loads) {
            Http.Reply r = l.get(2, TimeUnit.MINUTES);
            loadStatuses.add(r.status());
            assertOneLineError(r);
        }
        done.set(true);
        for (Thread th : traffic) {
            th.join(60_000);
        }
        assertTrue(loadStatuses.stream().allMatch(s -> s == 400 || s == 413 || s == 503), "loads: " + loadStatuses);
        assertFalse(predictions.isEmpty());
        assertTrue(predictions.stream().allMatch(s -> s == 200), "predictions during the loads: " + predictions);
        assertEquals(200, http.post("/v1/models/vit/predict", image).status(), "alive and answering");
        // a request's budget is released just after its answer is sent
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                MemoryBudget.heap().reserved() > 0 && System.nanoTime() < until; ) {
            sleep(10);
        }
        assertEquals(0, MemoryBudget.heap().reserved(), "every reservation was released");

        // Deterministically: while another load holds most of the budget, the same file is refused as busy (503 and
        // Retry-After); once it is released, the load runs, inflates, and is told its arrays do not fit (400).
        String body = loadBomb(bomb);
        try (MemoryBudget.Reservation other =
                MemoryBudget.heap().reserve(MemoryBudget.heap().capacity() / 2, "another load")) {
            Http.Reply busy = postJson("/v2/repository/models/bomb/load", body);
            assertEquals(503, busy.status(), busy.text());
            assertEquals("1", busy.header("Retry-After"));
            assertTrue(busy.text().contains("try again"), busy.text());
        }
        Http.Reply refused = postJson("/v2/repository/models/bomb/load", body);
        assertEquals(400, refused.status(), refused.text());
        Path huge = npzBomb(dir.resolve("huge.npz"), 400L << 20);
        Http.Reply never = postJson("/v2/repository/models/huge/load", loadBomb(huge));
        assertEquals(413, never.status(), never.text());
        assertTrue(never.text().contains("-Xmx"), never.text());
        Files.delete(bomb);
        Files.delete(huge);
    }

    /** A load request of vit_micro's architecture with {@code weights}. */
    private String loadBomb(Path weights) {
        return "{\"parameters\":{\"model\":"
                + Http.JSON.valueToTree(vit.resolve("config.json").toString()) + ",\"weights\":"
                + Http.JSON.valueToTree(weights.toString()) + "}}";
    }

    /** A Google ViT .npz of two arrays of {@code bytes} each, deflated from zeros into about 1/230 of that. */
    private static Path npzBomb(Path file, long bytes) throws IOException {
        return HostileFiles.npzOfZeros(file, List.of("embedding/kernel.npy", "cls.npy"), bytes);
    }

    /**
     * /v2 outputs: each name once (10 000 copies of one name were 6.6 GB of heap and a 500), and an answer larger than
     * --max-response-mb refused before anything runs, saying how to make it smaller; in binary the same fits.
     */
    @Test
    void v2OutputsAreNamedOnceAndTheAnswerIsBounded() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            many.append(i == 0 ? "" : ",").append("{\"name\":\"attention.blocks.2\"}");
        }
        String one = "{\"name\":\"pixel_values\",\"datatype\":\"FP32\",\"shape\":[1,3,32,32],\"data\":"
                + zeros(3 * 32 * 32) + "}";
        Http.Reply repeated = infer("{\"inputs\":[" + one + "],\"outputs\":[" + many + "]}");
        assertEquals(400, repeated.status(), repeated.text());
        assertTrue(repeated.text().contains("more than once"), repeated.text());

        // 64 images' attention: 64 × 3 × 17 × 17 values, about 880 kB as JSON text, above the test's 256 kB
        String batch = "{\"name\":\"pixel_values\",\"datatype\":\"FP32\",\"shape\":[64,3,32,32],\"data\":"
                + zeros(64 * 3 * 32 * 32) + "}";
        Http.Reply tooLarge = infer("{\"inputs\":[" + batch + "],\"outputs\":[{\"name\":\"attention.blocks.2\"}]}");
        assertEquals(413, tooLarge.status(), tooLarge.text());
        assertTrue(tooLarge.text().contains("binary"), tooLarge.text());
        Http.Reply binary = infer("{\"inputs\":[" + batch + "],\"outputs\":[{\"name\":\"attention.blocks.2\","
                + "\"parameters\":{\"binary_data\":true}}]}");
        assertEquals(200, binary.status(), binary.text());
        int header = Integer.parseInt(binary.header("Inference-Header-Content-Length"));
        assertEquals(64 * 3 * 17 * 17 * 4, binary.body().length - header);

        // /v1 attention: a block asked for twice is refused before anything runs
        Http.Reply twice =
                http.post("/v1/models/vit/attention?block=blocks.2&block=blocks.2", ServeFixtures.shapePng(1));
        assertEquals(400, twice.status(), twice.text());
    }

    /** FP32 input that is not finite is refused naming its index; an output that is not finite is null in JSON. */
    @Test
    void nonFiniteNumbersAreRefusedInAndNeverWrittenOut() {
        String bad = "{\"inputs\":[{\"name\":\"pixel_values\",\"datatype\":\"FP32\",\"shape\":[1,3,32,32],\"data\":["
                + "0,".repeat(5) + "1e999" + ",0".repeat(3 * 32 * 32 - 6) + "]}]}";
        Http.Reply refused = infer(bad);
        assertEquals(400, refused.status(), refused.text());
        assertTrue(refused.text().contains("value 5 is Infinity"), refused.text());

        String huge = "{\"inputs\":[{\"name\":\"pixel_values\",\"datatype\":\"FP32\",\"shape\":[1,3,32,32],\"data\":["
                + "3e38,".repeat(3 * 32 * 32 - 1) + "-3e38]}]}";
        Http.Reply overflow = infer(huge);
        assertEquals(200, overflow.status(), overflow.text());
        assertFalse(overflow.text().contains("NaN") || overflow.text().contains("Infinity"), overflow.text());
        JsonNode logits = overflow.json().get("outputs").get(0).get("data");
        boolean nonFinite = false;
        for (JsonNode v : logits) {
            assertTrue(v.isNumber() || v.isNull(), v.toString());
            nonFinite |= v.isNull();
        }
        assertTrue(nonFinite, "3e38 pixels overflow the model: its outputs are not finite, written as null");
    }

    /** The pixels of all a request's images together are bounded (the test's limit: 10 000), from their headers. */
    @Test
    void aRequestsPixelsAreBoundedBeforeAnyIsDecoded() {
        byte[] image = ServeFixtures.shapePng(2); // 32 × 32
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            files.put("s" + i + ".png", image);
        }
        Http.Reply tooMany = http.postFiles("/v1/models/vit/predict", files);
        assertEquals(413, tooMany.status(), tooMany.text());
        assertTrue(tooMany.text().contains("10240 pixels in all"), tooMany.text());
        files.remove("s9.png");
        assertEquals(200, http.postFiles("/v1/models/vit/predict", files).status());
    }

    /**
     * A load that fails (offline, after a while) while a second load of the same name waits: the second serves, and
     * the name is the repository's like any other — it was orphaned (404 everywhere, engine never freed). While a
     * name's first load runs, the index shows it LOADING.
     */
    @Test
    void aFailedLoadLeavesTheNameToTheLoadWaitingForIt() throws Exception {
        CompletableFuture<Http.Reply> failing = CompletableFuture.supplyAsync(
                () -> postJson("/v2/repository/models/orphan/load", "{\"parameters\":{\"model\":\"fails-slowly\"}}"));
        sleep(500);
        assertEquals("LOADING", state("orphan"), "a first load shows in the index");
        CompletableFuture<Http.Reply> second = CompletableFuture.supplyAsync(() -> postJson(
                "/v2/repository/models/orphan/load",
                "{\"parameters\":{\"model\":" + Http.JSON.valueToTree(vit.toString()) + "}}"));
        assertEquals(400, failing.get(1, TimeUnit.MINUTES).status());
        assertEquals(200, second.get(1, TimeUnit.MINUTES).status());
        assertEquals("READY", state("orphan"));
        assertEquals(200, http.get("/v2/models/orphan").status());
        assertEquals(
                200,
                http.post("/v1/models/orphan/predict", ServeFixtures.shapePng(1))
                        .status());
        assertEquals(
                200,
                http.post("/v2/repository/models/orphan/unload", new byte[0]).status());
        assertEquals("UNAVAILABLE", state("orphan"));

        CompletableFuture<Http.Reply> alone = CompletableFuture.supplyAsync(
                () -> postJson("/v2/repository/models/gone/load", "{\"parameters\":{\"model\":\"fails-slowly\"}}"));
        assertEquals(400, alone.get(1, TimeUnit.MINUTES).status());
        assertEquals(null, state("gone"), "a name that never loaded is forgotten");
    }

    /**
     * An OutOfMemoryError on a batcher thread (forced): the request is answered 503, the server reports the failure
     * to its owner (the command line exits 1 on it), says so on /health/live, and runs no more batches.
     */
    @Test
    void anOutOfMemoryErrorOnABatcherStopsTheServer() throws IOException {
        List<Integer> batchesRun = Collections.synchronizedList(new ArrayList<>());
        ServedModel.Runs failing = (pipeline, batch, attention) -> {
            batchesRun.add(batch.size());
            throw new OutOfMemoryError("Java heap space (forced by the test)");
        };
        try (VitServer s = VitServer.start(
                Map.of("vit", () -> LoadedModel.load((String) null, vit)),
                ServeOptions.defaults().withPort(0).withEngine(EngineType.ONNX, 1),
                sources,
                failing)) {
            s.awaitReady();
            Http h = new Http(s.port());
            assertTrue(s.failure().isEmpty());
            Http.Reply first = h.post("/v1/models/vit/predict", ServeFixtures.shapePng(1));
            assertEquals(503, first.status(), first.text());
            assertTrue(first.text().contains("out of memory"), first.text());
            assertTrue(s.failure().orElseThrow() instanceof OutOfMemoryError);
            assertEquals(503, h.get("/health/live").status());
            assertEquals(
                    503,
                    h.post("/v1/models/vit/predict", ServeFixtures.shapePng(2)).status());
            assertEquals(List.of(1), batchesRun, "no batch ran after the error");
        }
    }

    private String state(String name) {
        for (JsonNode row : postJson("/v2/repository/index", "{}").json()) {
            if (row.get("name").asText().equals(name)) {
                return row.get("state").asText();
            }
        }
        return null;
    }

    private Http.Reply infer(String json) {
        return postJson("/v2/models/vit/infer", json);
    }

    private Http.Reply postJson(String path, String json) {
        return http.post(path, json.getBytes(StandardCharsets.UTF_8), "application/json", null);
    }

    private static String zeros(int n) {
        return "[" + "0,".repeat(n - 1) + "0]";
    }

    private static void assertOneLineError(Http.Reply r) {
        JsonNode body = r.json();
        assertEquals(1, body.size(), r.text());
        assertFalse(body.get("error").asText().contains("\n"), r.text());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
