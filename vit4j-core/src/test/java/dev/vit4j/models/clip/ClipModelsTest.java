package dev.vit4j.models.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tiny CLIP and SigLIP models in open_clip's directory layout (tools/clip_fixtures.py small: random weights, every
 * parameter perturbed) give open_clip's token ids, encode_text, encode_image through its eval transform, and zero-shot
 * logits and probabilities, on both engines; in transformers' layout ({@code CLIPModel}, {@code SiglipModel}: tools/
 * clip_fixtures.py transformers), transformers' token ids (padded to max_length), get_text_features,
 * get_image_features through the PIL image processors, and the same zero-shot; as OpenAI's TorchScript {@code .pt}
 * (tools/clip_fixtures.py openai: no config, every size from the tensors), open_clip's reading of it.
 */
class ClipModelsTest {
    static Path resource(String name) {
        try {
            return Path.of(
                    ClipModelsTest.class.getResource("/dev/vit4j/clip/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode expected(String model) throws IOException {
        return Json.mapper()
                .readTree(resource(model + "-expected/expected.json").toFile());
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    /** max |a − b| over max |b|: what "1e-4 relative" means for a vector. */
    static void assertClose(float[] want, float[] got, double relative, String what) {
        assertEquals(want.length, got.length, what + " length");
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        assertTrue(worst <= relative * scale, what + ": max difference " + worst + " over scale " + scale);
    }

    @ParameterizedTest
    @CsvSource({
        "clip-tiny,torch",
        "clip-tiny,onnx",
        "siglip-tiny,torch",
        "siglip-tiny,onnx",
        "clip-hf,torch",
        "clip-hf,onnx",
        "siglip-hf,torch",
        "siglip-hf,onnx",
        "openai-tiny.pt,torch",
        "openai-tiny.pt,onnx"
    })
    void matchesOpenClip(String model, String engine) throws IOException {
        JsonNode want = expected(model.replace(".pt", ""));
        try (ModelPipeline p =
                ModelPipeline.open(LoadedModel.load((String) null, resource(model)), EngineType.of(engine), 1)) {
            assertTrue(p.hasText());
            List<String> texts = strings(want.get("texts"));
            for (int i = 0; i < texts.size(); i++) {
                int[] ids = p.tokenizer().encode(texts.get(i));
                JsonNode row = want.get("token_ids").get(i);
                int[] expectedIds = new int[row.size()];
                for (int k = 0; k < expectedIds.length; k++) {
                    expectedIds[k] = row.get(k).asInt();
                }
                assertArrayEquals(expectedIds, ids, "token ids of text " + i);
            }
            List<float[]> text = p.embedTexts(texts, 4, false);
            for (int i = 0; i < texts.size(); i++) {
                assertClose(floats(want.get("text_embeds").get(i)), text.get(i), 1e-4, engine + " text " + i);
            }
            List<Path> images = new ArrayList<>();
            want.get("images").forEach(n -> images.add(resource(model.replace(".pt", "") + "-expected/" + n.asText())));
            List<ModelPipeline.ImageOutputs> outs = p.runAll(images, 2, false);
            ZeroShotClassifier zs = p.zeroShot(strings(want.get("labels")), strings(want.get("templates")));
            assertEquals(want.get("scoring").asText(), zs.scoring());
            for (int i = 0; i < images.size(); i++) {
                float[] image = p.imageEmbedding(outs.get(i));
                assertClose(floats(want.get("image_embeds").get(i)), image, 1e-4, engine + " image " + i);
                assertClose(floats(want.get("logits").get(i)), zs.logits(image), 1e-4, engine + " logits " + i);
                float[] probabilities = floats(want.get("probabilities").get(i));
                for (Prediction pr : zs.classify(image, probabilities.length)) {
                    assertEquals(probabilities[pr.index()], pr.probability(), 1e-4, "probability of " + pr.label());
                }
            }
        }
    }

    /**
     * CLIP's tower is causal and pools at the end token: a batch is run only as far as its longest text (open_clip
     * runs all 77 positions), and that gives what the whole context gives. SigLIP's sees every position.
     */
    @ParameterizedTest
    @CsvSource({"clip-tiny,torch", "clip-tiny,onnx", "clip-hf,onnx", "siglip-tiny,onnx"})
    void aCausalTowerRunsOnlyTheTokensThatDecide(String model, String engine) {
        try (LoadedModel loaded = LoadedModel.load((String) null, resource(model));
                dev.vit4j.inference.InferenceEngine e = EngineType.of(engine).create(loaded, 1)) {
            ModelPipeline p = ModelPipeline.over(loaded, e);
            List<String> texts =
                    List.of("a photo of a cat", "a diagram", "a much longer caption of a red car on a road");
            List<int[]> rows = new ArrayList<>();
            texts.forEach(t -> rows.add(p.tokenize(t)));
            int context = rows.get(0).length;
            int needed = rows.stream()
                    .mapToInt(r -> loaded.text().tokensNeeded(r))
                    .max()
                    .orElseThrow();
            boolean causal = !model.startsWith("siglip");
            assertEquals(causal, needed < context, "tokens needed " + needed + " of " + context);
            long[] full = new long[rows.size() * context];
            for (int i = 0; i < rows.size(); i++) {
                for (int t = 0; t < context; t++) {
                    full[i * context + t] = rows.get(i)[t];
                }
            }
            float[][] whole = e.runText(full, rows.size());
            List<float[]> trimmed = p.runTokens(rows);
            for (int i = 0; i < rows.size(); i++) {
                assertClose(whole[i], trimmed.get(i), 1e-6, model + " text " + i);
            }
        }
    }
}
