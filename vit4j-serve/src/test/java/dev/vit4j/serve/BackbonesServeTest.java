package dev.vit4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4j;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.Prediction;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DINOv2 with registers, CLIP, SigLIP and distilled DeiT served: predict, embed and attention equal the library. */
class BackbonesServeTest {
    private static final List<String> FAMILIES =
            List.of("dinov2_micro", "clip_micro", "siglip_micro", "deit_distilled_micro");

    @TempDir
    Path dir;

    @Test
    void everyNewFamilyIsServedAsTheLibraryAnswers() throws IOException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        Map<String, Supplier<LoadedModel>> models = new LinkedHashMap<>();
        for (String f : FAMILIES) {
            Path d = ServeFixtures.model("/fixtures/" + f, dir);
            dirs.put(f, d);
            models.put(f, () -> LoadedModel.load((String) null, d));
        }
        byte[] image = ServeFixtures.resource("/fixtures/images/odd.jpg");
        try (VitServer server =
                VitServer.start(models, ServeOptions.defaults().withPort(0).withEngine(EngineType.ONNX, 1))) {
            server.awaitReady();
            Http http = new Http(server.port());
            JsonNode listed = http.get("/v1/models").json().get("models");
            assertEquals(4, listed.size());
            for (int i = 0; i < FAMILIES.size(); i++) {
                String f = FAMILIES.get(i);
                try (Vit4j library = Vit4j.load(
                        dirs.get(f).toString(), Vit4j.Options.defaults().withThreads(1))) {
                    JsonNode embedding = http.post("/v1/models/" + f + "/embed", image)
                            .json()
                            .get("embedding");
                    float[] want = library.embed(image);
                    for (int j = 0; j < want.length; j++) {
                        assertEquals(want[j], embedding.get(j).floatValue(), 1e-5, f);
                    }
                    if (library.numClasses() > 0) {
                        JsonNode top = http.post("/v1/models/" + f + "/predict?k=2", image)
                                .json()
                                .get("predictions");
                        List<Prediction> expected = library.predict(image, 2);
                        assertEquals(
                                expected.get(0).index(), top.get(0).get("index").asInt(), f);
                        assertEquals(
                                expected.get(0).probability(),
                                top.get(0).get("probability").asDouble(),
                                1e-6);
                    }
                }
                JsonNode view =
                        http.post("/v1/models/" + f + "/attention", image).json();
                assertEquals(16, view.get("saliency").size(), f + ": the 4 × 4 patch grid, prefix tokens left out");
                boolean classToken = !f.startsWith("siglip");
                assertEquals(classToken, listed.get(i).get("rollout").asBoolean(), f);
                assertEquals(
                        classToken,
                        view.hasNonNull("rollout") && view.get("rollout").size() == 16,
                        f);
            }
            assertEquals(
                    "attn_pool", listed.get(2).get("attention_blocks").get(0).asText(), "SigLIP's pooling query");
            assertFalse(listed.get(0).get("rollout").isMissingNode());
            assertTrue(http.get("/health/ready").status() == 200);
        }
    }
}
