package dev.vit4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.hub.HubSettings;
import dev.vit4j.hub.LoopbackHub;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.Prediction;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.weights.SafeTensorsWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-line Java API, as the README shows it, against a loopback Hub: a timm name (random DeiT-Ti weights in
 * timm's layout) and a transformers ViT repository (the vit_micro_hf fixture).
 */
class Vit4jApiTest {
    @TempDir
    static Path dir;

    private static LoopbackHub hub;
    private static Vit4j.Options options;
    private static Path deitWeights;

    @BeforeAll
    static void serve() throws IOException {
        hub = new LoopbackHub();
        deitWeights = dir.resolve("deit_tiny.safetensors");
        try (LoadedModel m = LoadedModel.initialized(ModelRegistry.defaults().config("deit_tiny_patch16_224"), 3)) {
            SafeTensorsWriter.write(deitWeights, WeightLoader.stateDict(m.model()), Map.of("format", "pt"));
        }
        hub.addRepo(
                "timm/deit_tiny_patch16_224.fb_in1k",
                false,
                Map.of("model.safetensors", Files.readAllBytes(deitWeights)));
        hub.addRepo(
                "acme/vit-micro-hf",
                false,
                Map.of(
                        "config.json", Files.readAllBytes(Fixtures.path("vit_micro_hf/config.json")),
                        "preprocessor_config.json",
                                "{\"size\": {\"height\": 32, \"width\": 32}, \"resample\": 2}"
                                        .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "model.safetensors", Files.readAllBytes(Fixtures.path("vit_micro_hf/model.safetensors"))));
        options = Vit4j.Options.defaults()
                .withThreads(1)
                .withHub(HubSettings.fromEnvironment(Map.of())
                        .withCache(dir.resolve("hub"))
                        .withEndpoint(hub.url())
                        .withToken(null)
                        .withRetries(1, Duration.ofMillis(5)));
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    @Test
    void theReadmeExampleRuns() throws IOException {
        BufferedImage bufferedImage =
                ImageIO.read(Fixtures.path("images/landscape.png").toFile());
        Properties before = (Properties) System.getProperties().clone();
        // The README's example, with the test's Hub in place of huggingface.co:
        try (var model = Vit4j.load("timm/deit_tiny_patch16_224.fb_in1k", options)) {
            List<Prediction> top5 = model.predict(bufferedImage, 5);
            float[] embedding = model.embed(bufferedImage);
            assertEquals(5, top5.size());
            assertEquals(192, embedding.length);
            assertEquals(0.9, model.dataConfig().cropPct(), "timm's DeiT data config");
            assertEquals("tench, Tinca tinca", model.labels().get(0));

            // The same answer from the CLI's path: registry architecture + the same weights file.
            try (Vit4j local = Vit4j.load("deit_tiny_patch16_224", deitWeights, options)) {
                assertEquals(top5, local.predict(Fixtures.path("images/landscape.png"), 5));
            }
        }
        Properties after = System.getProperties();
        List<String> changed = new ArrayList<>();
        for (String k : after.stringPropertyNames()) {
            if (!after.getProperty(k).equals(before.getProperty(k))) {
                changed.add(k);
            }
        }
        assertEquals(List.of(), changed, "a library sets no JVM-wide system property");
    }

    @Test
    void everyImageKindGivesTheSameAnswer() throws IOException {
        Path png = Fixtures.path("images/portrait.png");
        byte[] bytes = Files.readAllBytes(png);
        try (Vit4j model = Vit4j.load("acme/vit-micro-hf", options)) {
            List<Prediction> want = model.predict(png, 3);
            assertEquals(want, model.predict(bytes, 3));
            assertEquals(want, model.predict(ImageIO.read(png.toFile()), 3));
            try (InputStream in = new ByteArrayInputStream(bytes)) {
                assertEquals(want, model.predict(in, 3));
            }
            assertEquals("class_" + want.get(0).index(), want.get(0).label(), "labels from config.json's id2label");
            List<List<Prediction>> batch = model.predictAll(List.of(png, bytes, Fixtures.path("images/gray.png")), 3);
            assertEquals(want, batch.get(0));
            assertEquals(want, batch.get(1));
            assertArrayEquals(model.embed(png), model.embedAll(List.of(bytes)).get(0));
            Vit4jException e = assertThrows(Vit4jException.class, () -> model.predict(new byte[] {1, 2, 3}, 1));
            assertTrue(e.getMessage().contains("image"), e.getMessage());
        }
    }

    @Test
    void concurrentCallersGetTheSequentialAnswers() throws Exception {
        List<Path> images = List.of(
                Fixtures.path("images/landscape.png"),
                Fixtures.path("images/portrait.png"),
                Fixtures.path("images/odd.jpg"),
                Fixtures.path("images/gray.png"));
        try (Vit4j model = Vit4j.load("acme/vit-micro-hf", options)) {
            List<List<Prediction>> want = new ArrayList<>();
            for (Path p : images) {
                want.add(model.predict(p, 5));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<Prediction>>> got = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    Path p = images.get(i % images.size());
                    got.add(pool.submit(() -> model.predict(p, 5)));
                }
                for (int i = 0; i < got.size(); i++) {
                    List<Prediction> g = got.get(i).get();
                    List<Prediction> w = want.get(i % images.size());
                    for (int j = 0; j < w.size(); j++) {
                        assertEquals(w.get(j).index(), g.get(j).index());
                        assertEquals(w.get(j).probability(), g.get(j).probability(), 1e-6);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
