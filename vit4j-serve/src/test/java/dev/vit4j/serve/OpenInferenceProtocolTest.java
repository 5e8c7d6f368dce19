package dev.vit4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Fixtures;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Open Inference Protocol (KServe v2) REST routes against timm: the distilled DeiT fixture's logits, features and
 * attention from its preprocessed tensor (JSON and binary), its logits from encoded images (timm's eval transform),
 * the protocol's error shape for what the model does not take, and the model repository extension. A client written
 * from the protocol's documents in Python (test resource {@code kserve_v2_client.py}) makes the same calls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenInferenceProtocolTest {
    private static final String FIXTURE = "deit_distilled_micro";
    private static final double TOL = 1e-4;

    @TempDir
    static Path dir;

    private VitServer server;
    private Http http;
    private Path deit;
    private Path vit;

    @BeforeAll
    void start() throws IOException {
        deit = ServeFixtures.model("/fixtures/" + FIXTURE, dir);
        vit = ServeFixtures.vitMicro(dir);
        Map<String, Supplier<LoadedModel>> models = new LinkedHashMap<>();
        models.put("deit", () -> LoadedModel.load((String) null, deit));
        models.put("vit", () -> LoadedModel.load((String) null, vit));
        server = VitServer.start(
                models,
                ServeOptions.defaults()
                        .withPort(0)
                        .withEngine(EngineType.ONNX, 1)
                        .withModelControl(true));
        server.awaitReady();
        http = new Http(server.port());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void metadataHealthAndReadiness() {
        JsonNode meta = http.get("/v2").json();
        assertEquals("vit4j", meta.get("name").asText());
        assertTrue(meta.get("extensions").toString().contains("binary_tensor_data"), meta.toString());
        assertTrue(meta.get("extensions").toString().contains("model_repository"), meta.toString());
        assertEquals(200, http.get("/v2/health/live").status());
        assertEquals(200, http.get("/v2/health/ready").status());
        assertEquals(200, http.get("/v2/models/deit/ready").status());
        assertEquals(200, http.get("/v2/models/deit/versions/1/ready").status());
        assertEquals(400, http.get("/v2/models/deit/versions/2/ready").status());

        JsonNode model = http.get("/v2/models/deit").json();
        assertEquals("deit", model.get("name").asText());
        assertEquals("[\"1\"]", model.get("versions").toString());
        assertEquals(
                "[{\"name\":\"pixel_values\",\"datatype\":\"FP32\",\"shape\":[-1,3,28,28]},"
                        + "{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[-1]}]",
                model.get("inputs").toString());
        Map<String, String> outputs = new LinkedHashMap<>();
        model.get("outputs")
                .forEach(o -> outputs.put(o.get("name").asText(), o.get("shape").toString()));
        assertEquals("[-1,5]", outputs.get("logits"));
        assertEquals("[-1,48]", outputs.get("pre_logits"));
        assertEquals("[-1,3,18,18]", outputs.get("attention.blocks.1"), "3 heads over 16 patches and 2 tokens");
        assertEquals(model, http.get("/v2/models/deit/versions/1").json());
        assertError(http.get("/v2/models/deit/versions/7"), 404);
        assertError(http.get("/v2/models/nope"), 404);
        assertTrue(http.get("/openapi.json").json().get("paths").has("/v2/models/{name}/infer"));
    }

    @Test
    void aPreprocessedTensorGivesTimmsLogitsFeaturesAndAttention() {
        float[] x = ServeFixtures.tensor("/fixtures/" + FIXTURE + "/input.safetensors", "x", dir);
        ObjectNode request = Http.JSON.createObjectNode().put("id", "r-1");
        ObjectNode input = request.putArray("inputs").addObject();
        input.put("name", "pixel_values").put("datatype", "FP32");
        input.putArray("shape").add(2).add(3).add(28).add(28);
        ArrayNode data = input.putArray("data");
        for (float v : x) {
            data.add(v);
        }
        ArrayNode outputs = request.putArray("outputs");
        for (String o : List.of("logits", "pre_logits", "attention.blocks.0", "attention.blocks.1")) {
            outputs.addObject().put("name", o);
        }
        Http.Reply reply = http.post("/v2/models/deit/infer", bytes(request), "application/json", null);
        assertEquals(200, reply.status(), reply.text());
        JsonNode body = reply.json();
        assertEquals("deit", body.get("model_name").asText());
        assertEquals("1", body.get("model_version").asText());
        assertEquals("r-1", body.get("id").asText());
        assertEquals(4, body.get("outputs").size());
        for (JsonNode o : body.get("outputs")) {
            String name = o.get("name").asText();
            float[] want = ServeFixtures.tensor("/fixtures/" + FIXTURE + "/expected.safetensors", name, dir);
            long[] shape = ServeFixtures.shape("/fixtures/" + FIXTURE + "/expected.safetensors", name, dir);
            assertEquals("FP32", o.get("datatype").asText());
            assertEquals(
                    java.util.Arrays.toString(shape).replace(" ", ""),
                    o.get("shape").toString(),
                    name);
            double d = Fixtures.maxAbsDiff(want, floats(o.get("data")));
            System.out.println("[v2] " + FIXTURE + " " + name + " from FP32 JSON: max |diff| " + d);
            assertTrue(d < TOL, name + " differs by " + d);
        }
    }

    @Test
    void theBinaryExtensionBothWays() {
        float[] x = ServeFixtures.tensor("/fixtures/" + FIXTURE + "/input.safetensors", "x", dir);
        ByteBuffer raw = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(x);
        ObjectNode request = Http.JSON.createObjectNode();
        ObjectNode input = request.putArray("inputs").addObject();
        input.put("name", "pixel_values").put("datatype", "FP32");
        input.putArray("shape").add(2).add(3).add(28).add(28);
        input.putObject("parameters").put("binary_data_size", raw.capacity());
        request.putArray("outputs")
                .addObject()
                .put("name", "logits")
                .putObject("parameters")
                .put("binary_data", true);
        byte[] header = bytes(request);
        byte[] body = ByteBuffer.allocate(header.length + raw.capacity())
                .put(header)
                .put(raw.array())
                .array();
        Http.Reply reply = http.send(http.request("/v2/models/deit/infer")
                .header(InferenceTensors.HEADER_LENGTH, Integer.toString(header.length))
                .header("Content-Type", "application/octet-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)));
        assertEquals(200, reply.status(), reply.text());
        int length = Integer.parseInt(reply.header(InferenceTensors.HEADER_LENGTH));
        JsonNode head;
        try {
            head = Http.JSON.readTree(reply.body(), 0, length);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        JsonNode logits = head.get("outputs").get(0);
        assertEquals(40, logits.get("parameters").get("binary_data_size").asInt(), "2 × 5 FP32");
        assertTrue(logits.get("data") == null, "binary outputs carry no JSON data");
        float[] got = new float[10];
        ByteBuffer.wrap(reply.body(), length, 40)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(got);
        double d = Fixtures.maxAbsDiff(
                ServeFixtures.tensor("/fixtures/" + FIXTURE + "/expected.safetensors", "logits", dir), got);
        assertTrue(d < TOL, "logits through the binary extension differ by " + d);

        byte[] shortBody = java.util.Arrays.copyOf(body, body.length - 4);
        assertError(
                http.send(http.request("/v2/models/deit/infer")
                        .header(InferenceTensors.HEADER_LENGTH, Integer.toString(header.length))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(shortBody))),
                400);
        assertError(
                http.send(http.request("/v2/models/deit/infer")
                        .header(InferenceTensors.HEADER_LENGTH, Integer.toString(body.length + 1))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))),
                400);
    }

    /** Requests the model cannot take: 400 (or 413, 404) with the protocol's {@code {"error": "..."}}, never 500. */
    @Test
    void wrongRequestsGetTheProtocolsErrors() {
        // The protocol's own example request (required_api.md, "Inference Request Examples"): not this model's inputs.
        String example = "{\"id\":\"42\",\"inputs\":[{\"name\":\"input0\",\"shape\":[2,2],\"datatype\":\"UINT32\","
                + "\"data\":[1,2,3,4]},{\"name\":\"input1\",\"shape\":[3],\"datatype\":\"BOOL\",\"data\":[true]}],"
                + "\"outputs\":[{\"name\":\"output0\"}]}";
        assertTrue(
                infer(example).json().get("error").asText().contains("unexpected input 'input0'"),
                infer(example).text());
        String wrongShape = "{\"inputs\":[{\"name\":\"pixel_values\",\"shape\":[1,3,32,32],\"datatype\":\"FP32\","
                + "\"data\":" + zeros(3 * 32 * 32) + "}]}";
        assertTrue(infer(wrongShape).json().get("error").asText().contains("[N, 3, 28, 28]"));
        String wrongType = "{\"inputs\":[{\"name\":\"pixel_values\",\"shape\":[1,3,28,28],\"datatype\":\"FP16\","
                + "\"data\":" + zeros(3 * 28 * 28) + "}]}";
        assertTrue(infer(wrongType).json().get("error").asText().contains("is FP32, not FP16"));
        String tooFew = "{\"inputs\":[{\"name\":\"pixel_values\",\"shape\":[2,3,28,28],\"datatype\":\"FP32\","
                + "\"data\":" + zeros(3 * 28 * 28) + "}]}";
        assertTrue(infer(tooFew).json().get("error").asText().contains("but its shape has"));
        String unknownOutput = "{\"inputs\":[{\"name\":\"pixel_values\",\"shape\":[1,3,28,28],\"datatype\":\"FP32\","
                + "\"data\":" + zeros(3 * 28 * 28) + "}],\"outputs\":[{\"name\":\"probabilities\"}]}";
        assertTrue(infer(unknownOutput).json().get("error").asText().contains("unexpected output"));
        String notAnImage =
                "{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"BYTES\"," + "\"data\":[\"aGVsbG8=\"]}]}";
        assertTrue(infer(notAnImage).json().get("error").asText().contains("not a recognised image"));
        for (String bad : List.of(
                "",
                "not json",
                "[]",
                "{}",
                "{\"inputs\":[]}",
                "{\"inputs\":[{\"name\":\"image\"}]}",
                "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[-1],\"data\":[]}]}",
                "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"%%%\"]}]}",
                "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[0],\"data\":[]}]}",
                "{\"inputs\":[{\"name\":\"pixel_values\",\"datatype\":\"FP32\",\"shape\":[1,3,28,28],"
                        + "\"data\":[\"x\"]}]}")) {
            assertError(infer(bad), 400);
        }
        String huge =
                "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[100000000000]," + "\"data\":[]}]}";
        assertError(infer(huge), 413);
        assertError(http.post("/v2/models/nope/infer", "{}".getBytes(StandardCharsets.UTF_8)), 404);
        assertEquals(200, http.get("/v2/health/ready").status(), "still serving");
        String metrics = http.get("/metrics").text();
        assertTrue(
                metrics.contains("route=\"/v2/models/{name}/infer\",status=\"400\""),
                "the v2 routes are counted as the others: " + metrics);
    }

    @Test
    void aClientWrittenFromTheSpecInPython() throws Exception {
        float[] x = ServeFixtures.tensor("/fixtures/" + FIXTURE + "/input.safetensors", "x", dir);
        ByteBuffer raw = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(x);
        Path tensor = Files.write(dir.resolve("x.f32"), raw.array());
        Path png = Files.write(dir.resolve("landscape.png"), ServeFixtures.resource("/fixtures/images/landscape.png"));
        Path jpg = Files.write(dir.resolve("odd.jpg"), ServeFixtures.resource("/fixtures/images/odd.jpg"));
        String url = "http://127.0.0.1:" + server.port();

        JsonNode meta = python(url, "metadata", "deit");
        assertEquals(200, meta.get("ready").get("status").asInt());
        assertEquals(
                "pixel_values",
                meta.get("model").get("body").get("inputs").get(0).get("name").asText());

        for (List<String> flags : List.of(List.<String>of(), List.of("--binary-input", "--binary-output"))) {
            List<String> args = new ArrayList<>(List.of(
                    url,
                    "infer-fp32",
                    "deit",
                    tensor.toString(),
                    "2",
                    "3",
                    "28",
                    "28",
                    "--outputs",
                    "logits,pre_logits,attention.blocks.1"));
            args.addAll(flags);
            JsonNode r = python(args.toArray(String[]::new));
            assertEquals(flags.contains("--binary-output"), r.get("binary").asBoolean());
            for (String name : List.of("logits", "pre_logits", "attention.blocks.1")) {
                double d = Fixtures.maxAbsDiff(
                        ServeFixtures.tensor("/fixtures/" + FIXTURE + "/expected.safetensors", name, dir),
                        floats(r.get("outputs").get(name).get("data")));
                System.out.println("[v2] python client " + flags + " " + name + ": max |diff| " + d);
                assertTrue(d < TOL, name + " " + flags + " differs by " + d);
            }
        }

        float[] want = ServeFixtures.tensor("/fixtures/" + FIXTURE + "/images.safetensors", "logits", dir);
        for (String flag : List.of("--binary-output", "--json-input")) {
            JsonNode r = python(url, "infer-images", "deit", png.toString(), jpg.toString(), flag);
            JsonNode logits = r.get("outputs").get("logits");
            assertEquals("[2,5]", logits.get("shape").toString());
            double d = Fixtures.maxAbsDiff(want, floats(logits.get("data")));
            System.out.println("[v2] python client, encoded images " + flag + ": logits max |diff| " + d);
            assertTrue(d < 2e-3, "logits from encoded images (timm's eval transform) differ by " + d);
        }
        JsonNode top = python(url, "infer-images", "deit", png.toString(), "--classification", "2", "--binary-output");
        JsonNode labels = top.get("outputs").get("logits");
        assertEquals("BYTES", labels.get("datatype").asText());
        assertEquals("[1,2]", labels.get("shape").toString());
        String[] best = labels.get("data").get(0).asText().split(":");
        int argmax = 0;
        for (int j = 1; j < 5; j++) {
            argmax = want[j] > want[argmax] ? j : argmax;
        }
        assertEquals(argmax, Integer.parseInt(best[1]), "value:index:label, the best first");
        assertEquals(want[argmax], Float.parseFloat(best[0]), 2e-3);

        JsonNode refused = python(
                url,
                "raw",
                "deit",
                "{\"inputs\":[{\"name\":\"image\",\"shape\":[1]," + "\"datatype\":\"INT8\",\"data\":[1]}]}");
        assertEquals(400, refused.get("status").asInt());
        assertTrue(Http.JSON.readTree(refused.get("body").asText()).has("error"));
    }

    @Test
    void modelsAreLoadedAndUnloadedWhileAnotherServes() throws Exception {
        byte[] image = ServeFixtures.resource("/fixtures/images/odd.jpg");
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> {
                while (!done.get() && System.nanoTime() < until) {
                    statuses.add(http.post("/v1/models/deit/predict?k=1", image).status());
                }
            });
            th.start();
            load.add(th);
        }
        try {
            for (int round = 0; round < 2; round++) {
                assertEquals(
                        200,
                        http.post("/v2/repository/models/vit/unload", new byte[0])
                                .status());
                assertEquals("UNAVAILABLE", state("vit"));
                assertEquals(400, http.get("/v2/models/vit/ready").status());
                assertError(http.post("/v1/models/vit/predict", image), 503);
                Http.Reply reloaded = http.post("/v2/repository/models/vit/load", new byte[0]);
                assertEquals(200, reloaded.status(), reloaded.text());
                assertEquals("READY", state("vit"));
                assertEquals(200, http.post("/v1/models/vit/predict", image).status());
            }
            String spec = "{\"parameters\":{\"model\":" + Http.JSON.writeValueAsString(vit.toString()) + "}}";
            assertEquals(200, postJson("/v2/repository/models/vit2/load", spec).status());
            assertEquals(200, http.get("/v2/models/vit2/ready").status());
            assertEquals(
                    200,
                    http.post("/v2/repository/models/vit2/unload", new byte[0]).status());

            JsonNode before = index();
            Http.Reply failed =
                    postJson("/v2/repository/models/broken/load", "{\"parameters\":{\"model\":\"/no/such/dir\"}}");
            assertError(failed, 400);
            assertError(postJson("/v2/repository/models/vit/load", "{\"parameters\":{\"colour\":\"red\"}}"), 400);
            assertError(http.post("/v2/repository/models/ghost/load", new byte[0]), 400);
            assertError(http.post("/v2/repository/models/ghost/unload", new byte[0]), 404);
            assertEquals(before, index(), "a failed load leaves the repository as it was");
            assertEquals(
                    "[{\"name\":\"deit\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"},"
                            + "{\"name\":\"vit\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"}]",
                    postJson("/v2/repository/index", "{\"ready\":true}").json().toString());
        } finally {
            done.set(true);
            for (Thread th : load) {
                th.join(60_000);
            }
        }
        assertTrue(statuses.size() > 5, "the other model was under load: " + statuses.size() + " requests");
        assertTrue(statuses.stream().allMatch(s -> s == 200), "the other model's answers: " + statuses);
    }

    @Test
    void modelControlIsOffUnlessAskedFor() throws IOException {
        Map<String, Supplier<LoadedModel>> models = Map.of("vit", () -> LoadedModel.load((String) null, vit));
        try (VitServer plain =
                VitServer.start(models, ServeOptions.defaults().withPort(0).withEngine(EngineType.ONNX, 1))) {
            plain.awaitReady();
            Http h = new Http(plain.port());
            assertError(h.post("/v2/repository/models/vit/unload", new byte[0]), 403);
            assertError(h.post("/v2/repository/index", new byte[0]), 403);
            assertTrue(!h.get("/v2").json().get("extensions").toString().contains("model_repository"));
            assertEquals(200, h.get("/v2/models/vit/ready").status());
        }
    }

    /**
     * Closing the server (a signal) while a load is under way: a load that can be stopped (a download, waiting on the
     * network) is stopped at once and answered 503; one in a phase that cannot be (ONNX Runtime building a session,
     * here a thread that ignores interrupts) is waited for and answered (loaded, or stopped at its next interruptible
     * step) before the connection closes — the process would otherwise exit with ONNX
     * Runtime mid-session-creation and crash in native code when the runtime's shutdown hook frees it.
     */
    @Test
    void closingStopsALoadThatCanBeStoppedAndWaitsForOneThatCannot() throws Exception {
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> building =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean release = new java.util.concurrent.atomic.AtomicBoolean();
        VitServer.ModelSources slow = (model, weights) -> () -> {
            building.get().countDown();
            if (model.equals("download")) {
                try {
                    Thread.sleep(TimeUnit.MINUTES.toMillis(1));
                } catch (InterruptedException e) {
                    throw new dev.vit4j.Vit4jException("interrupted while downloading");
                }
            }
            long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (model.equals("native") && !release.get() && System.nanoTime() < until) {
                Thread.onSpinWait(); // deaf to interrupts, as a native call is
            }
            return LoadedModel.load((String) null, vit);
        };
        for (String phase : List.of("download", "native")) {
            building.set(new java.util.concurrent.CountDownLatch(1));
            VitServer s = VitServer.start(
                    Map.of("vit", () -> LoadedModel.load((String) null, vit)),
                    ServeOptions.defaults()
                            .withPort(0)
                            .withEngine(EngineType.ONNX, 1)
                            .withModelControl(true),
                    slow);
            s.awaitReady();
            Http h = new Http(s.port());
            java.util.concurrent.CompletableFuture<Http.Reply> load =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> h.post(
                            "/v2/repository/models/late/load",
                            ("{\"parameters\":{\"model\":\"" + phase + "\"}}").getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null));
            assertTrue(building.get().await(1, TimeUnit.MINUTES), "the load started");
            long start = System.nanoTime();
            Thread closer = new Thread(s::close);
            closer.start();
            closer.join(1_500);
            if (phase.equals("download")) {
                closer.join(10_000);
                assertTrue(!closer.isAlive(), "close did not stop the download");
                assertError(load.get(1, TimeUnit.MINUTES), 503);
            } else {
                assertTrue(closer.isAlive(), "close returned while a load was building its model");
                release.set(true);
                closer.join(60_000);
                assertTrue(!closer.isAlive(), "close did not return once the load was done");
                // answered: loaded, or stopped at its next interruptible step (reading the weights file)
                int status = load.get(1, TimeUnit.MINUTES).status();
                assertTrue(status == 200 || status == 503, "the load under way was answered: " + status);
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "a bounded stop");
        }
    }

    private JsonNode index() {
        return postJson("/v2/repository/index", "{}").json();
    }

    private String state(String name) {
        for (JsonNode row : index()) {
            if (row.get("name").asText().equals(name)) {
                return row.get("state").asText();
            }
        }
        return null;
    }

    private Http.Reply postJson(String path, String json) {
        return http.post(path, json.getBytes(StandardCharsets.UTF_8), "application/json", null);
    }

    private Http.Reply infer(String json) {
        return postJson("/v2/models/deit/infer", json);
    }

    private static void assertError(Http.Reply reply, int status) {
        assertEquals(status, reply.status(), reply.text());
        JsonNode body = reply.json();
        assertEquals(1, body.size(), reply.text());
        assertTrue(body.get("error").isTextual(), reply.text());
        assertTrue(!body.get("error").asText().contains("\n"));
    }

    private static String zeros(int n) {
        return "[" + "0,".repeat(n - 1) + "0]";
    }

    private static byte[] bytes(JsonNode json) {
        try {
            return Http.JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }

    private JsonNode python(String... args) throws Exception {
        Path client = Files.write(dir.resolve("kserve_v2_client.py"), ServeFixtures.resource("/kserve_v2_client.py"));
        List<String> command = new ArrayList<>(List.of("python3", client.toString()));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no python3 here (.ci/run installs it): the Python client is not run");
            throw e;
        }
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the Python client did not finish in 2 minutes");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return Http.JSON.readTree(out);
    }
}
