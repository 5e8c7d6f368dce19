package dev.vit4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Full-size CLIP ViT-B/16 (QuickGELU) and SigLIP ViT-B/16 in open_clip's directory layout, their weights generated
 * (GeneratedWeights; tools/clip_fixtures.py full made the reference with the same numbers): {@code vit4j embed
 * --texts} equals open_clip's encode_text, {@code embed --embedding head} its encode_image through its own transform,
 * and {@code zero-shot} its probabilities, on images and texts no other test uses. Each command runs in its own JVM
 * with the heap a model of this size needs.
 */
class ClipFullSizeTest {
    static final Path FULL =
            Path.of("..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "clip", "full-size");
    static final Path SIGLIP_TOKENIZER =
            Path.of("..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "text", "siglip-tokenizer");

    @TempDir
    Path dir;

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
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

    private String child(String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "child", ".log");
        ProcessBuilder pb = new ProcessBuilder(ChildCli.command(List.of("-Xmx5g"), args))
                .redirectErrorStream(false)
                .redirectOutput(log.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("stderr.log").toFile()));
        Process p = pb.start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "vit4j " + String.join(" ", args) + " did not finish");
        String out = Files.readString(log);
        assertEquals(
                0,
                p.exitValue(),
                "vit4j " + String.join(" ", args) + ": " + out + Files.readString(dir.resolve("stderr.log")));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ViT-B-16-quickgelu", "ViT-B-16-SigLIP"})
    void everyCommandGivesOpenClipsNumbers(String arch) throws Exception {
        JsonNode want = new ObjectMapper()
                .readTree(FULL.resolve(arch + ".expected.json").toFile());
        Path model = Files.createDirectories(dir.resolve(arch));
        Files.copy(FULL.resolve(arch + ".open_clip_config.json"), model.resolve("open_clip_config.json"));
        if (arch.contains("SigLIP")) {
            for (String f : List.of("tokenizer.json", "tokenizer_config.json", "spiece.model")) {
                Files.copy(SIGLIP_TOKENIZER.resolve(f), model.resolve(f));
            }
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        want.get("parameters").fields().forEachRemaining(e -> {
            long[] s = new long[e.getValue().size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = e.getValue().get(i).asLong();
            }
            shapes.put(e.getKey(), s);
        });
        GeneratedWeights.write(model.resolve("open_clip_model.safetensors"), shapes);
        Path texts = dir.resolve("texts.txt");
        Files.writeString(texts, String.join("\n", strings(want.get("texts"))) + "\n", StandardCharsets.UTF_8);
        List<String> images = new ArrayList<>();
        want.get("images").forEach(n -> images.add(FULL.resolve(n.asText()).toString()));

        // PyTorch here and for the images; zero-shot below runs both towers on ONNX Runtime
        child(
                "embed",
                "-w",
                model.toString(),
                "--engine",
                "torch",
                "--texts",
                texts.toString(),
                "-o",
                dir.resolve("t.npy").toString());
        float[][] text = Npy.read(dir.resolve("t.npy"));
        for (int i = 0; i < text.length; i++) {
            assertClose(want.get("text_embeds").get(i), text[i], arch + " text " + i);
        }

        List<String> embed = new ArrayList<>(List.of(
                "embed",
                "-w",
                model.toString(),
                "--embedding",
                "head",
                "--engine",
                "torch",
                "-o",
                dir.resolve("i.npy").toString()));
        embed.addAll(images);
        child(embed.toArray(String[]::new));
        float[][] image = Npy.read(dir.resolve("i.npy"));
        for (int i = 0; i < image.length; i++) {
            assertClose(want.get("image_embeds").get(i), image[i], arch + " image " + i);
        }

        Path labels = dir.resolve("labels.txt");
        Files.writeString(labels, String.join("\n", strings(want.get("labels"))) + "\n");
        Path templates = dir.resolve("templates.txt");
        Files.writeString(templates, String.join("\n", strings(want.get("templates"))) + "\n");
        List<String> zeroShot = new ArrayList<>(List.of(
                "zero-shot",
                "-w",
                model.toString(),
                "--labels",
                labels.toString(),
                "--templates",
                templates.toString(),
                "--json",
                "-k",
                "5"));
        zeroShot.addAll(images);
        String[] lines = child(zeroShot.toArray(String[]::new)).strip().split("\n");
        assertEquals(images.size(), lines.length);
        List<String> labelList = strings(want.get("labels"));
        for (int i = 0; i < lines.length; i++) {
            JsonNode line = new ObjectMapper().readTree(lines[i]);
            assertEquals(want.get("scoring").asText(), line.get("scoring").asText());
            for (JsonNode p : line.get("predictions")) {
                int c = labelList.indexOf(p.get("label").asText());
                assertEquals(
                        want.get("probabilities").get(i).get(c).asDouble(),
                        p.get("probability").asDouble(),
                        1e-4,
                        arch + " image " + i + " " + p.get("label"));
                assertEquals(
                        want.get("logits").get(i).get(c).asDouble(),
                        p.get("logit").asDouble(),
                        1e-4
                                * Math.max(
                                        1,
                                        Math.abs(
                                                want.get("logits").get(i).get(c).asDouble())));
            }
        }
    }
}
