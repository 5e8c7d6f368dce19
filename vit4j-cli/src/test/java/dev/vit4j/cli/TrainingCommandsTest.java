package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCommandsTest {
    @TempDir
    Path dir;

    static String config() throws URISyntaxException {
        return Path.of(TrainingCommandsTest.class
                        .getResource("/tiny_cait_shapes.json")
                        .toURI())
                .toString();
    }

    @Test
    void trainThenEvaluateThenPredictFromTheRunDirectory() throws Exception {
        Path out = dir.resolve("run");
        var t = run(
                "train",
                "--config",
                config(),
                "--data",
                "shapes:16:96",
                "--val",
                "shapes:16:32",
                "--epochs",
                "2",
                "-b",
                "32",
                "--flip",
                "0.5",
                "--zoom",
                "0.1",
                "-o",
                out.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("epoch   2"), t.out());
        assertEquals(3, Files.readAllLines(out.resolve("history.csv")).size());
        for (String f : new String[] {
            "last/config.json",
            "last/model.safetensors",
            "last/optimizer.safetensors",
            "last/trainer.json",
            "best/model.safetensors",
            "learning_curves.png"
        }) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        var e = run(
                "eval",
                "-w",
                out.toString(),
                "--data",
                "shapes:16:40",
                "--json",
                "--saliency-box",
                "-o",
                dir.resolve("eval").toString());
        assertEquals(0, e.code(), e.err());
        JsonNode j = new ObjectMapper().readTree(e.out());
        assertEquals(40, j.get("images").asInt());
        assertTrue(j.get("top1").asDouble() >= 0
                && j.get("top5").asDouble() >= j.get("top1").asDouble());
        assertTrue(j.get("saliency_peak_in_box").asDouble() >= 0);
        assertEquals(6, j.get("per_class_accuracy").size());
        assertTrue(Files.isRegularFile(dir.resolve("eval/confusion_matrix.png")));
        Path img = Path.of("..", "vit4j-core", "src", "test", "resources", "fixtures", "images", "small.png");
        var p = run("predict", "-w", out.toString(), "-k", "2", img.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(
                p.out().matches("(?s).*(circle|square|triangle|cross|ring|diamond).*"), "class names kept: " + p.out());
    }

    @Test
    void badTrainingInputExitsWithTwo() throws Exception {
        CliTest.assertBadInput(
                run("train", "--config", config(), "--data", "cifar10:/no/such/dir", "-o", dir.toString()),
                "dataset directory not found");
        CliTest.assertBadInput(
                run(
                        "train",
                        "--config",
                        config(),
                        "--data",
                        "shapes:16:32",
                        "--optimizer",
                        "adagrad",
                        "-o",
                        dir.toString()),
                "unknown optimizer 'adagrad'");
        CliTest.assertBadInput(
                run(
                        "train",
                        "--config",
                        config(),
                        "--data",
                        "shapes:16:32",
                        "--time-budget",
                        "-1",
                        "-o",
                        dir.toString()),
                "the time budget must be a number of minutes");
        CliTest.assertBadInput(
                run("train", "--model", "deit_tiny_patch16_224", "--data", "shapes:16:32", "-o", dir.toString()),
                "6 classes but the model");
        CliTest.assertBadInput(run("eval", "-w", dir.resolve("nothing").toString(), "--data", "shapes"), "not found");
        String[][] misuse = {
            {"--lr", "NaN"},
            {"--lr", "Infinity"},
            {"--lr", "0"},
            {"--weight-decay", "NaN"},
            {"--min-lr", "-1"},
            {"--label-smoothing", "1"},
            {"--clip-grad", "NaN"},
            {"-b", "-4"},
            {"--epochs", "0"},
            {"--flip", "2"},
            {"--random-erase", "NaN"},
            {"--zoom", "1"},
            {"--pad-crop", "-1"}
        };
        for (String[] m : misuse) {
            var r = run(
                    "train",
                    "--config",
                    config(),
                    "--data",
                    "shapes:16:32",
                    "-o",
                    dir.resolve("misuse").toString(),
                    m[0],
                    m[1]);
            assertEquals(2, r.code(), String.join(" ", m) + ": " + r.err());
            assertTrue(r.err().strip().lines().count() <= 2 && !r.err().contains("\tat "), r.err());
        }
        assertTrue(!Files.exists(dir.resolve("misuse/last")), "nothing trained");
    }

    @Test
    void aPerceiverTrainsAndShowsWhatItsLatentsRead() throws Exception {
        Path cfg = Files.writeString(
                dir.resolve("perceiver.json"),
                "{\"arch\": \"perceiver\", \"name\": \"p\","
                        + " \"img_size\": [16, 16], \"patch_size\": 2, \"embed_dim\": 32, \"num_latents\": 8, \"num_heads\": 2,"
                        + " \"depth\": 1, \"num_iterations\": 2, \"cross_heads\": 2, \"pos_embed\": \"fourier\","
                        + " \"fourier_bands\": 4, \"share_weights\": false, \"num_classes\": 6}");
        Path out = dir.resolve("run");
        var t = run(
                "train",
                "--config",
                cfg.toString(),
                "--data",
                "shapes:16:64",
                "--val",
                "shapes:16:32",
                "--epochs",
                "1",
                "-b",
                "32",
                "--optimizer",
                "lamb",
                "-o",
                out.toString());
        assertEquals(0, t.code(), t.err());
        Path img = Path.of("..", "vit4j-core", "src", "test", "resources", "fixtures", "images", "small.png");
        var a = run(
                "attention",
                "-w",
                out.toString(),
                "--latents",
                "0,3,7",
                "-o",
                dir.resolve("maps").toString(),
                img.toString());
        assertEquals(0, a.code(), a.err());
        Path maps = dir.resolve("maps/small");
        for (String f : new String[] {
            "latents_cross_attention.iteration_0.png",
            "latents_cross_attention.iteration_1.png",
            "overlay_cross_attention.iteration_1.png",
            "overlay.png",
            "saliency.png"
        }) {
            assertTrue(Files.isRegularFile(maps.resolve(f)), f);
        }
        try (dev.vit4j.weights.SafeTensors st =
                dev.vit4j.weights.SafeTensors.open(maps.resolve("attention.safetensors"))) {
            assertArrayEquals(
                    new long[] {2, 8, 64},
                    st.info("attention.cross_attention.iteration_1").shape());
        }
        CliTest.assertBadInput(
                run("mad", "-w", out.toString(), "-o", dir.resolve("mad").toString(), img.toString()),
                "Perceiver's latents have no position");
        var e = run(
                "export",
                "-w",
                out.toString(),
                "--with-attention",
                "-o",
                dir.resolve("p.onnx").toString());
        assertEquals(0, e.code(), e.err());
    }

    @Test
    void fineTuningStartsFromAnyWeightsFileWithANewHead() throws Exception {
        // A folder dataset of two classes, given whole as --val too (a folder without train/ and val/).
        Path data = dir.resolve("folder");
        for (String c : new String[] {"a", "b"}) {
            java.nio.file.Files.createDirectories(data.resolve(c));
            for (String img : new String[] {"landscape.png", "portrait.png", "gray.png", "small.png"}) {
                java.nio.file.Files.copy(
                        CliTest.FIXTURES.resolve("images/" + img),
                        data.resolve(c).resolve(img));
            }
        }
        Path out = dir.resolve("ft");
        var r = run(
                "train",
                "--config",
                CliTest.VIT,
                "--init",
                CliTest.FIXTURES.resolve("formats/vit_micro.pth").toString(),
                "--data",
                "folder:" + data,
                "--val",
                "folder:" + data,
                "--epochs",
                "1",
                "-b",
                "4",
                "--layer-decay",
                "0.75",
                "--img-size",
                "48",
                "-o",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("validating on folder"), "an explicit --val folder validates: " + r.out());
        assertTrue(r.err().contains("starting from"), r.err());
        var p = run("predict", "-w", out.toString(), CliTest.IMAGE);
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("a (0)") || p.out().contains("b (1)"), "the new head's two classes: " + p.out());
        CliTest.assertBadInput(
                run(
                        "train",
                        "--config",
                        CliTest.VIT,
                        "--init",
                        dir.resolve("none.pth").toString(),
                        "--data",
                        "shapes:32:8",
                        "-o",
                        dir.resolve("x").toString()),
                "not found");
    }
}
