package dev.vit4j.serve;

import static dev.vit4j.serve.VitServerTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLIP's and SigLIP's text towers served (tiny open_clip models of tools/clip_fixtures.py small): /v1 embed-text and
 * zero-shot, and the Open Inference Protocol's text input, equal open_clip's numbers; bad requests are one-line 400s.
 */
class TextServeTest {
    private static final Path CLIP = Path.of("..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "clip");
    private static final List<String> TWO_TOWERS = List.of("clip-tiny", "siglip-tiny");

    @TempDir
    Path dir;

    private static JsonNode expected(String model) throws IOException {
        return Http.JSON.readTree(
                CLIP.resolve(model + "-expected/expected.json").toFile());
    }

    private static void assertClose(JsonNode want, JsonNode got, String what) {
        assertEquals(want.size(), got.size(), what);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < want.size(); i++) {
            scale = Math.max(scale, Math.abs(want.get(i).asDouble()));
            worst = Math.max(worst, Math.abs(want.get(i).asDouble() - got.get(i).asDouble()));
        }
        assertTrue(worst <= 1e-4 * scale, what + ": max difference " + worst + " over " + scale);
    }

    private VitServer start(ServeOptions options) throws IOException {
        Map<String, Supplier<LoadedModel>> models = new LinkedHashMap<>();
        for (String m : TWO_TOWERS) {
            Path d = CLIP.resolve(m);
            models.put(m, () -> LoadedModel.load((String) null, d));
        }
        Path vision = ServeFixtures.model("/fixtures/dinov2_micro", dir);
        models.put("dinov2", () -> LoadedModel.load((String) null, vision));
        VitServer server = VitServer.start(models, options);
        server.awaitReady();
        return server;
    }

    private static byte[] json(Object tree) {
        try {
            return Http.JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String query(String name, JsonNode values) {
        List<String> parts = new ArrayList<>();
        values.forEach(v -> parts.add(name + "=" + URLEncoder.encode(v.asText(), StandardCharsets.UTF_8)));
        return String.join("&", parts);
    }

    @Test
    void textsAndZeroShotAreOpenClipsAtEveryRoute() throws IOException {
        try (VitServer server = start(ServeOptions.defaults().withPort(0).withEngine(EngineType.ONNX, 1))) {
            Http http = new Http(server.port());
            JsonNode listed = http.get("/v1/models").json().get("models");
            for (JsonNode m : listed) {
                assertEquals(TWO_TOWERS.contains(m.get("name").asText()), m.has("text"), m.toString());
            }
            for (String model : TWO_TOWERS) {
                JsonNode want = expected(model);
                ObjectNode request = Http.JSON.createObjectNode();
                request.set("texts", want.get("texts"));
                Http.Reply r =
                        http.post("/v1/models/" + model + "/embed-text", json(request), "application/json", null);
                assertEquals(200, r.status(), r.text());
                JsonNode rows = r.json().get("embeddings");
                assertEquals(want.get("texts").size(), rows.size());
                for (int i = 0; i < rows.size(); i++) {
                    assertClose(want.get("text_embeds").get(i), rows.get(i), model + " text " + i);
                }
                request.put("normalize", true);
                JsonNode unit = http.post(
                                "/v1/models/" + model + "/embed-text", json(request), "application/json", null)
                        .json()
                        .get("embeddings")
                        .get(0);
                double norm = 0;
                for (JsonNode v : unit) {
                    norm += v.asDouble() * v.asDouble();
                }
                assertEquals(1.0, norm, 1e-5);

                // the Open Inference Protocol: texts as plain JSON strings, and as binary BYTES
                ObjectNode infer = Http.JSON.createObjectNode();
                ObjectNode input = infer.putArray("inputs").addObject();
                input.put("name", "text").put("datatype", "BYTES");
                input.putArray("shape").add(want.get("texts").size());
                input.set("data", want.get("texts"));
                JsonNode out = http.post("/v2/models/" + model + "/infer", json(infer), "application/json", null)
                        .json()
                        .get("outputs")
                        .get(0);
                assertEquals("text_embeds", out.get("name").asText());
                int dim = out.get("shape").get(1).asInt();
                for (int i = 0; i < want.get("texts").size(); i++) {
                    ArrayNode row = Http.JSON.createArrayNode();
                    for (int j = 0; j < dim; j++) {
                        row.add(out.get("data").get(i * dim + j));
                    }
                    assertClose(want.get("text_embeds").get(i), row, model + " /v2 text " + i);
                }
                assertBinaryText(http, model, want);

                byte[] image = Files.readAllBytes(CLIP.resolve(model + "-expected/image0.png"));
                String path = "/v1/models/" + model + "/zero-shot?" + query("label", want.get("labels")) + "&"
                        + query("template", want.get("templates")) + "&k="
                        + want.get("labels").size();
                JsonNode answer = http.post(path, image).json();
                assertEquals(want.get("scoring").asText(), answer.get("scoring").asText());
                List<String> labels = new ArrayList<>();
                want.get("labels").forEach(l -> labels.add(l.asText()));
                for (JsonNode p : answer.get("predictions")) {
                    int c = labels.indexOf(p.get("label").asText());
                    assertEquals(
                            want.get("probabilities").get(0).get(c).asDouble(),
                            p.get("probability").asDouble(),
                            1e-4,
                            model + " " + p);
                }
                JsonNode two = http.postFiles(path, Map.of("a.png", image, "broken.png", new byte[] {1, 2, 3}))
                        .json();
                assertEquals(2, two.size(), two.toString());
            }
        }
    }

    /** BYTES as binary data: each element a 4-byte little-endian length and its UTF-8; text_embeds back as FP32. */
    private static void assertBinaryText(Http http, String model, JsonNode want) throws IOException {
        byte[] text = want.get("texts").get(0).asText().getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(text.length).put(text);
        ObjectNode infer = Http.JSON.createObjectNode();
        ObjectNode input = infer.putArray("inputs").addObject();
        input.put("name", "text").put("datatype", "BYTES");
        input.putArray("shape").add(1).add(1);
        input.putObject("parameters").put("binary_data_size", data.capacity());
        infer.putArray("outputs")
                .addObject()
                .put("name", "text_embeds")
                .putObject("parameters")
                .put("binary_data", true);
        byte[] header = json(infer);
        byte[] body = new byte[header.length + data.capacity()];
        System.arraycopy(header, 0, body, 0, header.length);
        System.arraycopy(data.array(), 0, body, header.length, data.capacity());
        Http.Reply r = http.send(http.request("/v2/models/" + model + "/infer")
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)));
        assertEquals(200, r.status(), r.text());
        int headerLength = Integer.parseInt(r.header("Inference-Header-Content-Length"));
        JsonNode meta = Http.JSON.readTree(new String(r.body(), 0, headerLength, StandardCharsets.UTF_8));
        int dim = meta.get("outputs").get(0).get("shape").get(1).asInt();
        ByteBuffer floats = ByteBuffer.wrap(r.body(), headerLength, r.body().length - headerLength)
                .order(ByteOrder.LITTLE_ENDIAN);
        ArrayNode row = Http.JSON.createArrayNode();
        for (int j = 0; j < dim; j++) {
            row.add(floats.getFloat());
        }
        assertClose(want.get("text_embeds").get(0), row, model + " binary /v2 text");
    }

    @Test
    void badTextRequestsAreOneLineErrorsAndTheServerKeepsServing() throws IOException {
        try (VitServer server = start(ServeOptions.defaults()
                .withPort(0)
                .withEngine(EngineType.ONNX, 1)
                .withMaxImages(4))) {
            Http http = new Http(server.port());
            String clip = "/v1/models/clip-tiny/";
            byte[] image = Files.readAllBytes(CLIP.resolve("clip-tiny-expected/image0.png"));
            assertError(
                    http.post(
                            "/v1/models/dinov2/embed-text",
                            "{\"texts\":[\"a\"]}".getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    400,
                    "text tower");
            assertError(http.post("/v1/models/dinov2/zero-shot?label=a", image), 400, "text tower");
            assertError(
                    http.post(
                            clip + "embed-text", "not json".getBytes(StandardCharsets.UTF_8), "application/json", null),
                    400,
                    "JSON");
            assertError(
                    http.post(clip + "embed-text", "[1]".getBytes(StandardCharsets.UTF_8), "application/json", null),
                    400,
                    "object");
            assertError(
                    http.post(clip + "embed-text", "{}".getBytes(StandardCharsets.UTF_8), "application/json", null),
                    400,
                    "\"texts\"");
            assertError(
                    http.post(
                            clip + "embed-text",
                            "{\"texts\":[\"a\",3]}".getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    400,
                    "texts[1]");
            assertError(
                    http.post(
                            clip + "embed-text",
                            "{\"texts\":[\"a\"],\"normalize\":\"yes\"}".getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    400,
                    "normalize");
            assertError(
                    http.post(
                            clip + "embed-text",
                            "{\"texts\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}".getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    413,
                    "5 texts");
            assertError(http.post(clip + "zero-shot", image), 400, "label");
            assertError(http.post(clip + "zero-shot?labels=cifar", image), 400, "imagenet");
            assertError(http.post(clip + "zero-shot?label=a&labels=imagenet", image), 400, "not both");
            assertError(http.post(clip + "zero-shot?label=a&label=+", image), 400, "entry 2 is empty");
            assertError(http.post(clip + "zero-shot?label=a&template=no+slot", image), 400, "{}");
            assertError(http.post(clip + "zero-shot?label=a", new byte[] {1, 2, 3}), 400, "image");

            byte[] latin1 = {'c', 'a', 'f', (byte) 0xE9};
            String infer = "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1],"
                    + "\"parameters\":{\"binary_data_size\":8}}]}";
            ByteBuffer body = ByteBuffer.allocate(infer.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
            body.put(infer.getBytes(StandardCharsets.US_ASCII)).putInt(4).put(latin1);
            assertError(
                    http.send(http.request("/v2/models/clip-tiny/infer")
                            .header("Content-Type", "application/octet-stream")
                            .header("Inference-Header-Content-Length", Integer.toString(infer.length()))
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.array()))),
                    400,
                    "not UTF-8");
            assertError(
                    http.post(
                            "/v2/models/dinov2/infer",
                            "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]}]}"
                                    .getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    400,
                    "unexpected input 'text'");
            assertError(
                    http.post(
                            "/v2/models/clip-tiny/infer",
                            ("{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]}],"
                                            + "\"outputs\":[{\"name\":\"logits\"}]}")
                                    .getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    400,
                    "text_embeds alone");
            assertError(
                    http.post(
                            "/v2/models/clip-tiny/infer",
                            "{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[5],\"data\":[]}]}"
                                    .getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    413,
                    "elements");

            JsonNode meta = http.get("/v2/models/clip-tiny").json();
            assertTrue(meta.get("inputs").toString().contains("\"text\""), meta.toString());
            assertTrue(meta.get("outputs").toString().contains("text_embeds"), meta.toString());
            assertFalse(http.get("/v2/models/dinov2")
                    .json()
                    .get("inputs")
                    .toString()
                    .contains("\"text\""));
            Http.Reply ok = http.post(
                    clip + "embed-text",
                    "{\"texts\":[\"a cat\"]}".getBytes(StandardCharsets.UTF_8),
                    "application/json",
                    null);
            assertEquals(200, ok.status(), "still serving: " + ok.text());
        }
    }

    /**
     * ImageNet's 1000 labels × CLIP's 80 prompts (80 000 texts) through a queue of 64: the label embeddings go through
     * the text batcher a window at a time, so the first request is answered (or told to ask again, the work going on)
     * rather than refused for a full queue, and later ones are answered from them.
     */
    @Test
    void imageNetZeroShotIsServedThroughASmallQueue() throws Exception {
        try (VitServer server = start(ServeOptions.defaults()
                .withPort(0)
                .withEngine(EngineType.ONNX, 1)
                .withBatching(16, 2, 64)
                .withLimits(120_000, 10_000_000, 10_000_000))) {
            Http http = new Http(server.port());
            byte[] image = Files.readAllBytes(CLIP.resolve("clip-tiny-expected/image0.png"));
            String path = "/v1/models/clip-tiny/zero-shot?labels=imagenet&templates=openai&k=3";
            Http.Reply first = http.post(path, image);
            for (int tries = 0; first.status() == 504 && tries < 10; tries++) {
                assertTrue(first.json().get("error").asText().contains("ask again"), first.text());
                first = http.post(path, image);
            }
            assertEquals(200, first.status(), first.text());
            JsonNode predictions = first.json().get("predictions");
            assertEquals(3, predictions.size());
            Http.Reply again = http.post(path, image);
            assertEquals(200, again.status(), again.text());
            assertEquals(predictions, again.json().get("predictions"), "the same labels, from the kept embeddings");
            assertEquals(
                    200,
                    http.post(
                                    "/v1/models/clip-tiny/embed-text",
                                    "{\"texts\":[\"a\"]}".getBytes(StandardCharsets.UTF_8),
                                    "application/json",
                                    null)
                            .status(),
                    "texts are served beside it");
        }
    }
}
