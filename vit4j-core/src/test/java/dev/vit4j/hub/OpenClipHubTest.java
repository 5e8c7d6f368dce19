package dev.vit4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4j;
import dev.vit4j.inference.Prediction;
import dev.vit4j.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The library's two calls on two-tower models from open_clip's Hub layout ({@code hf-hub:REPO}: its config, weights
 * and the tokenizer of {@code hf_tokenizer_name}), served from 127.0.0.1: text embeddings and zero-shot equal
 * open_clip's for the tiny CLIP and SigLIP fixtures.
 */
class OpenClipHubTest {
    @TempDir
    Path cache;

    static Path resource(String name) throws Exception {
        return Path.of(
                OpenClipHubTest.class.getResource("/dev/vit4j/clip/" + name).toURI());
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @ParameterizedTest
    @CsvSource({"clip-tiny,someone/clip-tiny", "siglip-tiny,timm/ViT-B-16-SigLIP"})
    void embedTextAndZeroShotFromTheHub(String model, String repo) throws Exception {
        JsonNode want = Json.mapper()
                .readTree(resource(model + "-expected/expected.json").toFile());
        Map<String, byte[]> files = new HashMap<>();
        try (Stream<Path> list = Files.list(resource(model))) {
            for (Path f : list.toList()) {
                files.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        try (LoopbackHub hub = new LoopbackHub()) {
            hub.addRepo(repo, false, files);
            Vit4j.Options options = Vit4j.Options.defaults()
                    .withHub(HubSettings.fromEnvironment(Map.of())
                            .withCache(cache)
                            .withEndpoint(hub.url())
                            .withToken(null)
                            .withRetries(0, Duration.ofMillis(1)));
            try (Vit4j clip = Vit4j.load("hf-hub:" + repo, options)) {
                assertTrue(clip.hasText());
                List<String> texts = strings(want.get("texts"));
                List<float[]> embedded = clip.embedTexts(texts, false);
                for (int i = 0; i < texts.size(); i++) {
                    assertClose(want.get("text_embeds").get(i), embedded.get(i), model + " text " + i);
                }
                assertClose(want.get("text_embeds").get(0), clip.embedText(texts.get(0)), "embedText");
                List<Path> images = new ArrayList<>();
                for (JsonNode n : want.get("images")) {
                    images.add(resource(model + "-expected/" + n.asText()));
                }
                List<String> labels = strings(want.get("labels"));
                List<List<Prediction>> all = clip.zeroShotAll(images, labels, strings(want.get("templates")), 5);
                for (int i = 0; i < images.size(); i++) {
                    for (Prediction p : all.get(i)) {
                        assertEquals(
                                want.get("probabilities").get(i).get(p.index()).asDouble(), p.probability(), 1e-4);
                        assertEquals(labels.get(p.index()), p.label());
                    }
                }
                List<Prediction> one = clip.zeroShot(images.get(0), labels, 1);
                assertEquals(1, one.size());
            }
        }
    }

    static void assertClose(JsonNode want, float[] got, String what) {
        double scale = 0;
        double worst = 0;
        assertEquals(want.size(), got.length, what);
        for (int i = 0; i < got.length; i++) {
            scale = Math.max(scale, Math.abs(want.get(i).asDouble()));
            worst = Math.max(worst, Math.abs(want.get(i).asDouble() - got[i]));
        }
        assertTrue(worst <= 1e-4 * scale, what + ": max difference " + worst + " over " + scale);
    }
}
