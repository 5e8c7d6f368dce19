package dev.vit4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4j;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.InferenceEngine;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.Prediction;
import dev.vit4j.probing.AttentionProbe;
import dev.vit4j.probing.ClassTokenAttention;
import dev.vit4j.viz.Png;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every route and error of the server, against the library's own answers on the same bytes. */
class VitServerTest {
    @TempDir
    static Path dir;

    static Path shapes;
    static Path vit;
    static VitServer server;
    static Http http;
    static Vit4j shapesLibrary;

    static Map<String, Supplier<LoadedModel>> models() {
        Map<String, Supplier<LoadedModel>> m = new LinkedHashMap<>();
        m.put("shapes", () -> LoadedModel.load((String) null, shapes));
        m.put("vit", () -> LoadedModel.load((String) null, vit));
        return m;
    }

    @BeforeAll
    static void start() throws IOException {
        shapes = ServeFixtures.shapesModel(dir);
        vit = ServeFixtures.vitMicro(dir);
        server = VitServer.start(models(), ServeOptions.defaults().withPort(0).withEngine(EngineType.ONNX, 1));
        server.awaitReady();
        http = new Http(server.port());
        shapesLibrary = Vit4j.load(shapes.toString(), Vit4j.Options.defaults().withThreads(1));
    }

    @AfterAll
    static void stop() {
        shapesLibrary.close();
        server.close();
    }

    @Test
    void predictAndEmbedGiveTheLibrarysAnswers() throws IOException {
        List<byte[]> images = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            images.add(ServeFixtures.shapePng(i));
        }
        images.add(ServeFixtures.resource("/fixtures/images/portrait.png"));
        images.add(ServeFixtures.resource("/fixtures/images/odd.jpg"));
        for (byte[] image : images) {
            Http.Reply r = http.post("/v1/models/shapes/predict?k=3", image);
            assertEquals(200, r.status(), r.text());
            assertEquals("application/json", r.header("content-type"));
            JsonNode preds = r.json().get("predictions");
            List<Prediction> expected = shapesLibrary.predict(image, 3);
            assertEquals(3, preds.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(expected.get(i).index(), preds.get(i).get("index").asInt());
                assertEquals(expected.get(i).label(), preds.get(i).get("label").asText());
                assertEquals(
                        expected.get(i).probability(),
                        preds.get(i).get("probability").asDouble(),
                        1e-6);
            }
            JsonNode embedding =
                    http.post("/v1/models/shapes/embed", image).json().get("embedding");
            float[] want = shapesLibrary.embed(image);
            assertEquals(want.length, embedding.size());
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], embedding.get(i).floatValue(), 1e-5);
            }
        }
        // the head's output, L2-normalised (the CLIP-tower choice), as the library gives it; a wrong choice is a 400
        byte[] image = images.get(0);
        JsonNode head = http.post("/v1/models/shapes/embed?output=head&normalize=true", image)
                .json()
                .get("embedding");
        float[] want = shapesLibrary
                .embedAll(
                        List.of(image),
                        new dev.vit4j.inference.Embedding(dev.vit4j.inference.Embedding.Output.HEAD, true))
                .get(0);
        assertEquals(want.length, head.size());
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], head.get(i).floatValue(), 1e-6);
        }
        Http.Reply bad = http.post("/v1/models/shapes/embed?output=logits", image);
        assertEquals(400, bad.status(), bad.text());
        assertTrue(bad.text().contains("output must be pre-logits or head"), bad.text());
        // The model was trained on shapes: it should know them.
        int right = 0;
        for (int i = 0; i < 6; i++) {
            JsonNode top = http.post("/v1/models/shapes/predict?k=1", images.get(i))
                    .json()
                    .get("predictions")
                    .get(0);
            right += top.get("index").asInt() == ServeFixtures.shapeLabel(i) ? 1 : 0;
        }
        assertTrue(right >= 5, right + " of 6 shapes right");
    }

    @Test
    void aMultipartFormIsAnsweredPerImageAndABadOneDisturbsNoOther() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a.png", ServeFixtures.shapePng(1));
        files.put("broken.png", "not an image at all".getBytes(StandardCharsets.UTF_8));
        files.put("c.png", ServeFixtures.shapePng(2));
        Http.Reply r = http.postFiles("/v1/models/shapes/predict", files);
        assertEquals(200, r.status(), r.text());
        JsonNode a = r.json();
        assertEquals(3, a.size());
        assertEquals("a.png", a.get(0).get("image").asText());
        assertEquals(
                shapesLibrary.predict(ServeFixtures.shapePng(1), 1).get(0).index(),
                a.get(0).get("predictions").get(0).get("index").asInt());
        assertTrue(
                a.get(1).get("error").asText().contains("not a recognised image"),
                a.get(1).toString());
        assertEquals(
                shapesLibrary.predict(ServeFixtures.shapePng(2), 1).get(0).index(),
                a.get(2).get("predictions").get(0).get("index").asInt());
    }

    @Test
    void attentionMapsEqualTheProbeAndTheOverlayIsAPng() throws IOException {
        byte[] image = ServeFixtures.shapePng(3);
        Http.Reply r = http.post("/v1/models/shapes/attention", image);
        assertEquals(200, r.status(), r.text());
        JsonNode v = r.json();
        assertEquals("[8,8]", v.get("grid").toString());
        assertEquals(2, v.get("blocks").size());
        assertEquals("blocks_token_only.0", v.get("blocks").get(0).get("block").asText());
        assertTrue(v.get("rollout").isNull(), "CaiT has no rollout");
        assertEquals(5, v.get("predictions").size());
        Path file = Files.write(dir.resolve("shape3.png"), image);
        try (LoadedModel m = LoadedModel.load((String) null, shapes);
                InferenceEngine engine = EngineType.ONNX.create(m, 1)) {
            AttentionProbe.ImageAttention probe =
                    AttentionProbe.run(m, engine, List.of(file)).get(0);
            for (int b = 0; b < 2; b++) {
                float[][] heads =
                        ClassTokenAttention.perHead(probe.attention().get("attention.blocks_token_only." + b), 8, 8);
                JsonNode got = v.get("blocks").get(b).get("heads");
                assertEquals(heads.length, got.size());
                for (int h = 0; h < heads.length; h++) {
                    for (int i = 0; i < 64; i++) {
                        assertEquals(heads[h][i], got.get(h).get(i).floatValue(), 1e-5);
                    }
                }
            }
        }
        Http.Reply png = http.post("/v1/models/shapes/attention", image, "application/octet-stream", "image/png");
        assertEquals(200, png.status());
        assertEquals("image/png", png.header("content-type"));
        BufferedImage overlay = ImageIO.read(new ByteArrayInputStream(png.body()));
        assertEquals(32, overlay.getWidth());
        JsonNode vitView =
                http.post("/v1/models/vit/attention", ServeFixtures.shapePng(4)).json();
        int cells =
                vitView.get("grid").get(0).asInt() * vitView.get("grid").get(1).asInt();
        assertEquals(cells, vitView.get("rollout").size());
        assertEquals(cells, vitView.get("saliency").size());
    }

    @Test
    void modelsHealthOpenApiAndMetrics() {
        JsonNode models = http.get("/v1/models").json().get("models");
        assertEquals(2, models.size());
        assertEquals("shapes", models.get(0).get("name").asText());
        assertEquals("cait", models.get(0).get("family").asText());
        assertEquals(
                32, models.get(0).get("data_config").get("input_size").get(1).asInt());
        assertTrue(models.get(1).get("rollout").asBoolean());
        assertEquals(200, http.get("/health/live").status());
        assertEquals("ready", http.get("/health/ready").json().get("status").asText());
        JsonNode api = http.get("/openapi.json").json();
        assertTrue(api.get("paths").has("/v1/models/{name}/attention"));
        http.post("/v1/models/shapes/predict", ServeFixtures.shapePng(5));
        http.post("/v1/models/shapes/predict", new byte[] {1, 2, 3});
        String metrics = http.get("/metrics").text();
        for (String line : List.of(
                "vit4j_http_requests_seconds_bucket{",
                "route=\"/v1/models/{name}/predict\"",
                "status=\"400\"",
                "vit4j_batch_size_bucket{",
                "vit4j_queue_depth{model=\"shapes\"}",
                "vit4j_images_total{model=\"shapes\"}")) {
            assertTrue(metrics.contains(line), "metrics lack " + line);
        }
        Http.Reply page = http.get("/");
        assertEquals(200, page.status());
        assertTrue(page.text().contains("attention explorer"));
    }

    @Test
    void badRequestsGetOneLineJsonErrors() {
        byte[] good = ServeFixtures.shapePng(0);
        assertError(
                http.post("/v1/models/shapes/predict", "hello".getBytes(StandardCharsets.UTF_8)),
                400,
                "not a recognised image");
        assertError(http.post("/v1/models/shapes/predict", Arrays.copyOf(good, good.length / 2)), 400, "truncated");
        assertError(http.post("/v1/models/shapes/predict", new byte[0]), 400, "no image");
        assertError(http.post("/v1/models/shapes/predict?k=0", good), 400, "k must be");
        assertError(http.post("/v1/models/shapes/predict?k=x", good), 400, "k must be");
        assertError(http.post("/v1/models/nope/predict", good), 404, "no model 'nope'; have shapes, vit");
        assertError(http.get("/v1/nothing"), 404, "GET /v1/nothing not found");
        assertError(http.post("/v1/models/shapes/attention?block=blocks.9", good), 400, "no block 'blocks.9'");
    }

    @Test
    void limitsAndTheApiKey() throws IOException {
        ServeOptions o = ServeOptions.defaults()
                .withPort(0)
                .withEngine(EngineType.ONNX, 1)
                .withLimits(30_000, 100_000, 5_000)
                .withApiKey("s3cret");
        Map<String, Supplier<LoadedModel>> one = Map.of("shapes", () -> LoadedModel.load((String) null, shapes));
        try (VitServer limited = VitServer.start(one, o)) {
            limited.awaitReady();
            Http anonymous = new Http(limited.port());
            Http keyed = new Http(limited.port(), "s3cret");
            byte[] good = ServeFixtures.shapePng(0);
            assertError(anonymous.post("/v1/models/shapes/predict", good), 401, "API key");
            assertError(new Http(limited.port(), "wrong").post("/v1/models/shapes/predict", good), 401, "API key");
            assertError(anonymous.get("/metrics"), 401, "API key");
            assertEquals(200, anonymous.get("/health/ready").status());
            assertEquals(200, keyed.post("/v1/models/shapes/predict", good).status());
            assertError(
                    keyed.post("/v1/models/shapes/predict", new byte[200_000]), 413, "above the limit of 100000 bytes");
            byte[] big = Png.encode(new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB));
            assertError(keyed.post("/v1/models/shapes/predict", big), 413, "100×100 pixels, above this limit of 5000");
            assertEquals(200, keyed.post("/v1/models/shapes/predict", good).status());
        }
    }

    static void assertError(Http.Reply r, int status, String part) {
        assertEquals(status, r.status(), r.text());
        JsonNode e = r.json().get("error");
        assertNotNull(e, r.text());
        assertTrue(e.asText().contains(part), e.asText());
        assertFalse(e.asText().contains("\n"));
    }
}
