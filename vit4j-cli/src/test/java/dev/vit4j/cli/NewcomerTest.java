package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.FIXTURES;
import static dev.vit4j.cli.CliTest.IMAGE;
import static dev.vit4j.cli.CliTest.VIT;
import static dev.vit4j.cli.CliTest.VIT_WEIGHTS;
import static dev.vit4j.cli.CliTest.assertBadInput;
import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line as a newcomer meets it (issue "The command line a newcomer meets"): each papercut of that tour, as
 * it was typed, gets one line that says what to do.
 */
class NewcomerTest {
    @TempDir
    Path dir;

    /**
     * Offline, a Hub name fails at once with what to do: no five retries of a refused connection over 33 s. (A port
     * nobody listens on refuses at once, as a host that does not resolve does.)
     */
    @Test
    void offlineAHubNameFailsAtOnceSayingWhatToDo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: connections to it are refused
        }
        Path log = dir.resolve("offline.log");
        long start = System.nanoTime();
        Process p = ChildCli.start(
                log,
                Map.of(
                        "HF_ENDPOINT",
                        "http://127.0.0.1:" + port,
                        "HF_HOME",
                        dir.resolve("hf").toString()),
                "predict",
                "-m",
                "timm/deit_tiny_patch16_224.fb_in1k",
                IMAGE);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String err = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), err);
        assertTrue(err.contains("connection refused") && err.contains("HF_HUB_OFFLINE=1"), err);
        assertTrue(err.contains("HF_ENDPOINT") && err.contains("-w FILE"), err);
        assertFalse(err.contains("trying again"), "no retries of what retrying cannot fix: " + err);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(millis < 20_000, "took " + millis + " ms (the JVM's start included)");
    }

    /** Spellings of other commands, and unknown names, get the nearest right one. */
    @Test
    void typosGetSuggestions() {
        assertBadInput(run("predict", "--batch", "4", IMAGE), "did you mean --batch-size?");
        assertBadInput(run("predict", "-m", "deit_tiny", IMAGE), "did you mean deit_tiny_patch16_224");
        assertBadInput(run("demo", "--data", "cifar10"), "the demo trains on fashion-mnist[:DIR] or shapes");
    }

    /** {@code serve -w FILE} for the one model; with several, NAME=FILE, with an example when it is missing. */
    @Test
    void serveTakesAFileForItsOneModel() {
        ServeCommand one = parse(new ServeCommand(), "-m", "v=" + VIT, "-w", VIT_WEIGHTS);
        assertEquals(
                List.of("v"),
                List.copyOf(one.modelOptions
                        .sources(new PrintWriter(new StringWriter()))
                        .keySet()));
        ServeCommand two = parse(new ServeCommand(), "-m", "a=" + VIT, "-m", "b=" + VIT, "-w", VIT_WEIGHTS);
        dev.vit4j.Vit4jException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.vit4j.Vit4jException.class, () -> two.modelOptions.sources(new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("-w NAME=FILE (e.g. -m deit=deit_tiny_patch16_224"), e.getMessage());
        assertFalse(e.getMessage().contains("option option"));
    }

    private static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    /** -o FILE commands refuse a folder, -o DIR commands a file: one line, before any work. */
    @Test
    void outputsOfTheWrongKindAreRefusedBeforeAnyWork() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("outd"));
        Path file = Files.writeString(dir.resolve("land.jpg"), "not a folder");
        assertBadInput(run("export", "-m", VIT, "-w", VIT_WEIGHTS, "-o", folder.toString()), "takes a file");
        assertBadInput(run("export", "-m", VIT, "-w", VIT_WEIGHTS, "-o", dir.resolve("new") + "/"), "takes a file");
        assertFalse(Files.exists(dir.resolve("new")));
        assertBadInput(run("embed", "-m", VIT, "-w", VIT_WEIGHTS, "-o", folder.toString(), IMAGE), "takes a file");
        for (String command : List.of("attention", "mad")) {
            assertBadInput(run(command, "-m", VIT, "-w", VIT_WEIGHTS, "-o", file.toString(), IMAGE), "takes a folder");
        }
        assertBadInput(
                run("eval", "-m", VIT, "-w", VIT_WEIGHTS, "--data", "shapes:32:8", "-o", file.toString()),
                "takes a folder");
        assertBadInput(
                run("train", "--config", VIT, "--data", "shapes:32:16", "--epochs", "1", "-o", file.toString()),
                "takes a folder");
    }

    /**
     * Every command that takes images takes folders (recursively, in name order) and skips what it cannot read, by
     * name, with a count, exit 0: attention went on where it stopped the whole run.
     */
    @Test
    void foldersAndUnreadableImagesAreTakenAlikeEverywhere() throws IOException {
        Path images = Files.createDirectories(dir.resolve("imgs/sub"));
        Files.copy(FIXTURES.resolve("images/small.png"), images.resolve("b.png"));
        Files.copy(FIXTURES.resolve("images/odd.jpg"), images.getParent().resolve("a.jpg"));
        Files.write(images.resolve("c.png"), new byte[] {1, 2, 3});
        String folder = images.getParent().toString();
        CliTest.Result predict = run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "--json", folder);
        assertEquals(0, predict.code(), predict.err());
        assertEquals(2, predict.out().strip().lines().count(), predict.out());
        assertTrue(predict.out().indexOf("a.jpg") < predict.out().indexOf("b.png"), "name order: " + predict.out());
        assertTrue(predict.err().contains("skipped") && predict.err().contains("c.png"), predict.err());
        assertTrue(predict.err().contains("1 of 3 images could not be read"), predict.err());
        CliTest.Result attention = run(
                "attention",
                "-m",
                VIT,
                "-w",
                VIT_WEIGHTS,
                "-o",
                dir.resolve("maps").toString(),
                IMAGE,
                folder);
        assertEquals(0, attention.code(), attention.err());
        assertTrue(Files.isDirectory(dir.resolve("maps/a")) && Files.isDirectory(dir.resolve("maps/b")));
        assertTrue(attention.err().contains("1 of 4 images could not be read"), attention.err());
        CliTest.Result mad = run(
                "mad", "-m", VIT, "-w", VIT_WEIGHTS, "-o", dir.resolve("mad").toString(), folder);
        assertEquals(0, mad.code(), mad.err());
        assertTrue(mad.out().contains("over 2 image(s)"), mad.out());
        assertBadInput(
                run(
                        "predict",
                        "-m",
                        VIT,
                        "-w",
                        VIT_WEIGHTS,
                        Files.createDirectories(dir.resolve("none")).toString()),
                "no images in");
    }

    /** Files of the wrong kind are named for what they are, with what is accepted. */
    @Test
    void filesOfTheWrongKindAreNamedForWhatTheyAre() throws IOException {
        Path onnx = dir.resolve("deit_tiny_patch16_224.onnx");
        CliTest.Result exported = run("export", "-m", VIT, "-w", VIT_WEIGHTS, "-o", onnx.toString());
        assertEquals(0, exported.code(), exported.err());
        assertBadInput(run("predict", "-m", VIT, "-w", onnx.toString(), IMAGE), "is an ONNX model");
        assertBadInput(run("convert", IMAGE, dir.resolve("x.safetensors").toString()), "is an image");
        assertBadInput(
                run(
                        "predict",
                        "-w",
                        Files.createDirectories(dir.resolve("empty")).toString(),
                        IMAGE),
                "holds no weights");
        assertBadInput(run("bench", "-m", VIT, "-w", VIT_WEIGHTS, "--anchor", IMAGE), "is an image, not an ONNX model");
        CliTest.Result missing = run("bench", "-m", VIT, "-w", VIT_WEIGHTS, "--anchor", "nope.onnx");
        assertBadInput(missing, "nope.onnx: no such file");
        assertFalse(missing.err().contains("shared"), missing.err());
        CliTest.Result converted = run(
                "convert",
                FIXTURES.resolve("vit_micro").toString(),
                dir.resolve("v.safetensors").toString());
        assertEquals(0, converted.code(), "a model directory converts: " + converted.err());
    }

    /** train refuses to replace an earlier run without --resume or --overwrite, and leaves no lock behind. */
    @Test
    void trainDoesNotSilentlyReplaceAnEarlierRun() throws Exception {
        String run = dir.resolve("run").toString();
        String[] args = {
            "train",
            "--config",
            TrainingCommandsTest.config(),
            "--data",
            "shapes:16:32",
            "--val",
            "shapes:16:8",
            "--epochs",
            "1",
            "-b",
            "16",
            "-o",
            run
        };
        CliTest.Result first = run(args);
        assertEquals(0, first.code(), first.err());
        assertFalse(Files.exists(Path.of(run, ".lock")), "the run's lock is removed when it ends");
        assertBadInput(
                run(args), "holds an earlier training run: continue it with --resume, or replace it with --overwrite");
        String[] overwrite = java.util.Arrays.copyOf(args, args.length + 1);
        overwrite[args.length] = "--overwrite";
        assertEquals(0, run(overwrite).code());
        assertBadInput(
                run(
                        "train",
                        "--config",
                        TrainingCommandsTest.config(),
                        "--data",
                        "shapes:16:32",
                        "-o",
                        run,
                        "--resume",
                        "--overwrite"),
                "not both");
    }

    /** Mistakes that were silently accepted or said the wrong thing. */
    @Test
    void smallerMistakesSayWhatToDo() throws Exception {
        assertBadInput(
                run(
                        "attention",
                        "-m",
                        VIT,
                        "-w",
                        VIT_WEIGHTS,
                        "-o",
                        dir.resolve("m").toString(),
                        "--latents",
                        "0,1",
                        IMAGE),
                "has no latents");
        assertBadInput(
                run(
                        "train",
                        "-m",
                        "deit_tiny_patch16_224",
                        "--data",
                        "shapes:32:16",
                        "--epochs",
                        "1",
                        "-o",
                        dir.resolve("r").toString()),
                "--num-classes 6");
        assertBadInput(
                run("train", "--config", VIT, "--img-size", "32x", "--data", "shapes", "-o", "x"),
                "must be SIZE or HEIGHTxWIDTH");
        CliTest.Result labels = run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "-k", "2", IMAGE);
        assertTrue(labels.out().matches("(?s).*\\d\\.\\d\\d%  class \\d\\n.*"), "no '9 (9)': " + labels.out());
    }

    /** Every key is snake_case (the per-class map's keys are class names, data rather than keys of the format). */
    private static void assertSnakeCaseKeys(JsonNode node) {
        if (node.isArray()) {
            node.forEach(NewcomerTest::assertSnakeCaseKeys);
        } else if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                assertTrue(e.getKey().matches("[a-z0-9_]+"), "a key not in snake_case: " + e.getKey());
                if (!e.getKey().equals("per_class_accuracy")) {
                    assertSnakeCaseKeys(e.getValue());
                }
            });
        }
    }

    /** --json never holds the strings "NaN" or "Infinity": a class of the model with no examples is null. */
    @Test
    void jsonHasNoNaNStrings() throws IOException {
        CliTest.Result eval = run(
                "eval",
                "-w",
                FIXTURES.resolve("../trained/cait_shapes_demo").toString(),
                "--data",
                "shapes:32:4",
                "--json");
        assertEquals(0, eval.code(), eval.err());
        JsonNode report = new ObjectMapper().readTree(eval.out());
        assertFalse(eval.out().contains("NaN"), eval.out());
        boolean sawNull = false;
        for (JsonNode v : report.get("per_class_accuracy")) {
            assertTrue(v.isNumber() || v.isNull(), v.toString());
            sawNull |= v.isNull();
        }
        assertTrue(sawNull, "4 examples over 6 classes leave a class without any: " + eval.out());
        CliTest.Result text = run(
                "eval", "-w", FIXTURES.resolve("../trained/cait_shapes_demo").toString(), "--data", "shapes:32:4");
        assertTrue(text.out().contains("no examples"), text.out());
        String headline = text.out().lines().findFirst().orElseThrow();
        assertEquals(1, headline.split("4 images", -1).length - 1, "the count once: " + headline);
        for (String json : List.of(
                run("models", "--json").out(),
                run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "--json", IMAGE).out(),
                eval.out())) {
            assertSnakeCaseKeys(new ObjectMapper()
                    .readTree(
                            json.strip().lines().findFirst().orElseThrow().startsWith("[")
                                    ? json
                                    : json.strip().lines().findFirst().orElseThrow()));
        }
    }
}
