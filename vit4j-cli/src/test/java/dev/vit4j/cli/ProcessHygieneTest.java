package dev.vit4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run leaves outside its outputs: nothing in the temporary directory, no terminal frames in a log. */
class ProcessHygieneTest {
    @TempDir
    Path dir;

    @Test
    void onnxRuntimeLibrariesComeFromOneCacheAndNoTemporaryDirectoryIsLeft() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path cache = dir.resolve("cache");
        for (int round = 0; round < 2; round++) {
            ProcessBuilder pb = new ProcessBuilder(ChildCli.command(
                            List.of("-Djava.io.tmpdir=" + tmp),
                            "predict",
                            "--engine",
                            "onnx",
                            "-m",
                            CliTest.VIT,
                            "-w",
                            CliTest.VIT_WEIGHTS,
                            CliTest.IMAGE))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("log").toFile());
            pb.environment().put("XDG_CACHE_HOME", cache.toString());
            Process p = pb.start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(dir.resolve("log")));
            try (var left = Files.list(tmp)) {
                assertEquals(
                        List.of(),
                        left.filter(f -> f.getFileName().toString().startsWith("onnxruntime"))
                                .map(Path::toString)
                                .toList(),
                        "nothing of ONNX Runtime left in java.io.tmpdir");
            }
        }
        try (var dirs = Files.list(cache.resolve("vit4j"))) {
            List<Path> copies = dirs.toList();
            assertEquals(1, copies.size(), "one cached copy, reused by the second run: " + copies);
            assertTrue(Files.isRegularFile(copies.get(0).resolve(System.mapLibraryName("onnxruntime"))));
        }
    }

    @Test
    void progressInALogIsPlainLinesWithSaneRates() throws Exception {
        StringWriter err = new StringWriter();
        try (Progress p = Progress.start(new PrintWriter(err, true), "epoch 1", 94, "batches")) {
            for (int i = 1; i <= 94; i++) {
                p.stepTo(i);
            }
        }
        String log = err.toString();
        assertFalse(log.contains("\r"), "no carriage-return frames: " + log);
        assertEquals(1, log.lines().count(), "a fast job: one line, its end: " + log);
        assertTrue(log.startsWith("epoch 1: 94/94 batches (100 %), "), log);
        assertTrue(log.matches("(?s).*, \\d+\\.\\d batches/s, \\d+ s\\s*"), "a measured rate, not '?': " + log);

        var r = CliTest.run(
                "train",
                "--config",
                TrainingCommandsTest.config(),
                "--data",
                "shapes:16:64",
                "--val",
                "shapes:16:16",
                "--epochs",
                "2",
                "-b",
                "16",
                "-o",
                dir.resolve("run").toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("\r"), r.err());
        assertEquals(
                2,
                r.err()
                        .lines()
                        .filter(l -> l.matches("epoch \\d: \\d+/\\d+ batches \\(100 %\\), .*"))
                        .count(),
                "one line per epoch: " + r.err());
    }

    @Test
    void theDemosTimmCheckNeedsNothingOutsideTheJar() throws Exception {
        StringWriter out = new StringWriter();
        DemoCommand.timmCheck(new PrintWriter(out, true), dir.resolve("no-anchors-here"));
        String text = out.toString();
        assertTrue(text.matches("(?s).*vit_micro \\(in the jar\\)\\s+\\d\\.\\d\\de-0[5-9].*"), text);
        assertTrue(text.matches("(?s).*cait_micro \\(in the jar\\)\\s+\\d\\.\\d\\de-0[5-9].*"), text);
        assertEquals(
                1, text.lines().filter(l -> l.contains("anchors: no folder")).count(), text);
        assertFalse(text.contains("ABOVE THE BAR"), text);
    }
}
