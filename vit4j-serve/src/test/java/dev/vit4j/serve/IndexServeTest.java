package dev.vit4j.serve;

import static dev.vit4j.serve.VitServerTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.search.VitIndex;
import dev.vit4j.testing.Pictures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index served beside its model (a tiny CLIP of tools/clip_fixtures.py small): search by image and by sentence,
 * adding and removing images while searches keep answering, the API key and metrics of the other routes, and bad
 * requests as one-line JSON.
 */
class IndexServeTest {
    private static final Path CLIP =
            Path.of("..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "clip", "clip-tiny");

    @TempDir
    Path dir;

    @Test
    void searchesByImageAndSentenceAndKeepAnsweringWhileImagesAreAdded() throws Exception {
        Random random = new Random(34);
        Path folder = Files.createDirectories(dir.resolve("photos"));
        List<Path> photos = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            photos.add(Files.write(folder.resolve("p" + i + ".png"), Pictures.rectanglesPng(random)));
        }
        Path index = dir.resolve("index");
        try (ModelPipeline clip = ModelPipeline.open(LoadedModel.load((String) null, CLIP), EngineType.ONNX, 1);
                VitIndex vi = VitIndex.open(index, clip)) {
            vi.update(photos, List.of(folder), 8, null);
        }
        Map<String, Supplier<LoadedModel>> models = new LinkedHashMap<>();
        models.put("photos", () -> LoadedModel.load((String) null, CLIP));
        try (VitServer server = VitServer.start(
                models,
                ServeOptions.defaults()
                        .withPort(0)
                        .withEngine(EngineType.ONNX, 1)
                        .withApiKey("k3y"))) {
            server.awaitReady();
            server.openIndex("photos", index, "photos");
            Http http = new Http(server.port(), "k3y");
            JsonNode listed = http.get("/v1/indexes").json().get("indexes");
            assertEquals(1, listed.size());
            assertEquals(6, listed.get(0).get("images").asInt());
            assertEquals("photos", listed.get(0).get("model").asText());

            Http.Reply r =
                    http.post("/v1/indexes/photos/search?k=2", Files.readAllBytes(photos.get(3)), "image/png", null);
            assertEquals(200, r.status(), r.text());
            JsonNode hits = r.json().get("hits");
            assertEquals(2, hits.size());
            assertEquals(
                    photos.get(3).toAbsolutePath().normalize().toString(),
                    hits.get(0).get("path").asText());
            assertEquals(1.0, hits.get(0).get("score").asDouble(), 1e-4);

            r = http.post(
                    "/v1/indexes/photos/search",
                    "{\"text\": \"a red square\", \"k\": 3}".getBytes(StandardCharsets.UTF_8),
                    "application/json",
                    null);
            assertEquals(200, r.status(), r.text());
            assertEquals(3, r.json().get("hits").size());

            // a writer adds while searches run: every search answers, and the added images are found
            AtomicBoolean adding = new AtomicBoolean(true);
            ExecutorService searcher = Executors.newSingleThreadExecutor();
            Future<Integer> searches = searcher.submit(() -> {
                int n = 0;
                byte[] query = Files.readAllBytes(photos.get(1));
                while (adding.get() || n == 0) {
                    Http.Reply s = http.post("/v1/indexes/photos/search?k=1", query, "image/png", null);
                    assertEquals(200, s.status(), s.text());
                    n++;
                }
                return n;
            });
            List<byte[]> added = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                byte[] image = Pictures.rectanglesPng(random);
                added.add(image);
                r = http.post("/v1/indexes/photos/images?path=upload/" + i + ".png", image, "image/png", null);
                assertEquals(200, r.status(), r.text());
                assertEquals(7 + i, r.json().get("images").asInt());
            }
            adding.set(false);
            assertTrue(searches.get() > 0);
            searcher.shutdown();
            r = http.postFiles(
                    "/v1/indexes/photos/images",
                    Map.of("form/a.png", Pictures.rectanglesPng(random), "form/b.png", Pictures.rectanglesPng(random)));
            assertEquals(200, r.status(), r.text());
            assertEquals(18, r.json().get("images").asInt());
            r = http.post("/v1/indexes/photos/search?k=1", added.get(4), "image/png", null);
            assertEquals("upload/4.png", r.json().get("hits").get(0).get("path").asText());
            // filters: a path prefix inside the graph search
            r = http.post("/v1/indexes/photos/search?k=5&path_prefix=form/", added.get(4), "image/png", null);
            assertEquals(2, r.json().get("hits").size(), r.text());

            r = http.send(http.request("/v1/indexes/photos/images?path=upload/4.png&path=never")
                    .DELETE());
            assertEquals(200, r.status(), r.text());
            assertEquals(1, r.json().get("removed").asInt());
            assertEquals(17, r.json().get("images").asInt());

            // bad requests: one line each, and the server keeps serving
            assertError(http.post("/v1/indexes/nope/search", new byte[] {1}), 404, "no index 'nope'");
            assertError(
                    http.post(
                            "/v1/indexes/photos/search",
                            "{\"k\": 2}".getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    400,
                    "\"text\"");
            assertError(
                    http.post(
                            "/v1/indexes/photos/search",
                            "{\"text\": \"x\", \"k\": 0}".getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    400,
                    "k must be");
            assertError(
                    http.post(
                            "/v1/indexes/photos/search",
                            "{not json".getBytes(StandardCharsets.UTF_8),
                            "application/json",
                            null),
                    400,
                    "not JSON");
            assertError(http.post("/v1/indexes/photos/search", new byte[] {1, 2, 3}, "image/png", null), 400, "");
            assertError(
                    http.post("/v1/indexes/photos/images", Pictures.rectanglesPng(random), "image/png", null),
                    400,
                    "?path=");
            assertError(http.send(http.request("/v1/indexes/photos/images").DELETE()), 400, "?path=");
            assertEquals(401, new Http(server.port()).get("/v1/indexes").status(), "the API key guards indexes");
            String metrics = http.get("/metrics").text();
            assertTrue(metrics.contains("/v1/indexes/{name}/search"), "searches counted per route");
            assertTrue(http.get("/openapi.json").json().get("paths").has("/v1/indexes/{name}/search"));

            // an index made by another model is refused with one line
            Path other = dir.resolve("other");
            try (VitIndex vectors = VitIndex.openVectors(other, 24, VitIndex.Settings.DEFAULTS)) {
                vectors.add("v", new float[24], 1, 1, null);
            }
            Vit4jException e = assertThrows(Vit4jException.class, () -> server.openIndex("other", other, "photos"));
            assertTrue(e.getMessage().contains("vectors"), e.getMessage());
        }
        try (ModelPipeline clip = ModelPipeline.open(LoadedModel.load((String) null, CLIP), EngineType.ONNX, 1);
                VitIndex reopened = VitIndex.openForSearch(index, clip)) {
            assertEquals(17, reopened.size(), "what the server added was committed");
        }
    }
}
