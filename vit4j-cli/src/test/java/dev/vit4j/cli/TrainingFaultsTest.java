package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.training.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training process meets the world: SIGTERM and Ctrl-C, a second process on its directory, a full disk.
 * Each ends with one clear line, a complete checkpoint, and a run that {@code --resume} finishes.
 */
class TrainingFaultsTest {
    @TempDir
    Path dir;

    static List<String> trainArgs(Path out, int epochs) throws Exception {
        return new ArrayList<>(List.of(
                "train",
                "--config",
                TrainingCommandsTest.config(),
                "--data",
                "shapes:16:1200",
                "--val",
                "shapes:16:64",
                "--epochs",
                Integer.toString(epochs),
                "-b",
                "16",
                "--loader-threads",
                "1",
                "-o",
                out.toString()));
    }

    /** Starts a training child, waits for its first checkpoint, and returns it still training. */
    private Process trainingChild(Path out, Path log, int epochs) throws Exception {
        Process child = ChildCli.start(log, Map.of(), trainArgs(out, epochs).toArray(String[]::new));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (Checkpoint.complete(out.resolve("last")) == null && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(child.isAlive(), "still training after its first epoch: " + Files.readString(log));
        return child;
    }

    @Test
    void sigtermStopsCleanlyAnotherProcessIsRefusedAndResumeEndsAsAnUninterruptedRun() throws Exception {
        Path reference = dir.resolve("reference");
        var r = run(trainArgs(reference, 4).toArray(String[]::new));
        assertEquals(0, r.code(), r.err());

        Path out = dir.resolve("interrupted");
        Path log = dir.resolve("child.log");
        Process child = trainingChild(out, log, 4);
        CliTest.assertBadInput(run(trainArgs(out, 4).toArray(String[]::new)), "is in use by another training run");

        child.destroy(); // SIGTERM
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "exits after SIGTERM");
        String text = Files.readString(log);
        assertEquals(143, child.exitValue(), text);
        assertTrue(text.contains("vit4j: stopped by a signal"), text);
        assertFalse(text.contains("\tat ") || text.contains("Exception"), "no stack trace: " + text);
        Path last = Checkpoint.complete(out.resolve("last"));
        assertEquals(out.resolve("last"), last, "a complete last/ under its own name");
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "nothing half-written");
        }

        List<String> resume = trainArgs(out, 4);
        resume.add("--resume");
        var resumed = run(resume.toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.err());
        for (String f : List.of(
                "last/model.safetensors", "last/optimizer.safetensors", "best/model.safetensors", "history.csv")) {
            byte[] want = Files.readAllBytes(reference.resolve(f));
            byte[] got = Files.readAllBytes(out.resolve(f));
            if (f.endsWith(".csv")) { // the seconds column differs
                want = Files.readString(reference.resolve(f))
                        .replaceAll(",[0-9.]+\n", "\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                got = Files.readString(out.resolve(f))
                        .replaceAll(",[0-9.]+\n", "\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            assertArrayEquals(want, got, f + " as in the uninterrupted run");
        }
    }

    @Test
    void ctrlCStopsLikeSigterm() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                sigintIgnored(),
                "SIGINT is ignored in this process tree (started from a non-interactive `cmd &`); children inherit it");
        Path out = dir.resolve("run");
        Path log = dir.resolve("child.log");
        Process child = trainingChild(out, log, 20);
        assertEquals(
                0,
                new ProcessBuilder("kill", "-INT", Long.toString(child.pid()))
                        .start()
                        .waitFor());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "exits after SIGINT");
        String text = Files.readString(log);
        assertEquals(130, child.exitValue(), text);
        assertTrue(text.contains("vit4j: stopped by a signal"), text);
        assertTrue(Checkpoint.complete(out.resolve("last")) != null);
    }

    /** Linux: whether this JVM was started with SIGINT ignored (bit 2 of /proc/self/status SigIgn), as a child would be. */
    static boolean sigintIgnored() throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    /**
     * A real full disk: a 3 MB tmpfs in a private mount namespace ({@code unshare}, no root needed where user
     * namespaces are allowed). A 3-epoch run writes its first checkpoint; then the disk is filled, and a later
     * checkpoint fails: one line naming the file, exit 1, the last complete checkpoint intact and nothing
     * half-written beside it.
     */
    @Test
    void aFullDiskGivesOneLineAndKeepsThePreviousCheckpoint() throws Exception {
        Assumptions.assumeTrue(
                new ProcessBuilder("unshare", "-rm", "true").start().waitFor() == 0,
                "unshare -rm (user and mount namespaces) is not available here");
        Path disk = Files.createDirectories(dir.resolve("disk"));
        Path run = disk.resolve("run");
        Path copy = dir.resolve("after");
        List<String> args = trainArgs(run, 3);
        args.set(args.indexOf("shapes:16:1200"), "shapes:16:4000");
        String train = String.join(" ", quoted(ChildCli.command(List.of(), args.toArray(String[]::new))));
        String script = "mount -t tmpfs -o size=3m tmpfs " + disk + " || exit 99; "
                + train + " > " + dir.resolve("train.out") + " 2> " + dir.resolve("train.err") + " & "
                + "n=0; while [ ! -f " + run.resolve("last/trainer.json") + " ] && [ $n -lt 2400 ]; do sleep 0.05; "
                + "n=$((n+1)); done; "
                + "dd if=/dev/zero of=" + disk.resolve("filler") + " bs=64k > /dev/null 2>&1; "
                + "wait $!; echo $? > " + dir.resolve("train.code") + "; cp -r " + run + " " + copy;
        Process p = new ProcessBuilder("unshare", "-rm", "sh", "-c", script)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("script.log").toFile())
                .start();
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "the script ends");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("script.log")));

        String err = Files.readString(dir.resolve("train.err"));
        assertEquals("1", Files.readString(dir.resolve("train.code")).strip(), err);
        assertTrue(err.contains("vit4j: I/O error: ") && err.contains("No space left on device"), err);
        assertTrue(
                err.lines().filter(l -> l.startsWith("vit4j: I/O error")).count() == 1 && !err.contains("\tat "),
                "one clear line: " + err);
        Path last = Checkpoint.complete(copy.resolve("last"));
        assertTrue(last != null, "a complete checkpoint survives");
        var state = Checkpoint.readState(last);
        assertTrue(state.epochsDone >= 1 && state.epochsDone < 3, "the last one that fitted: " + state.epochsDone);
        try (var st = dev.vit4j.weights.SafeTensors.open(last.resolve("model.safetensors"))) {
            st.tensors().keySet().forEach(st::floats);
        }
        assertFalse(Files.exists(copy.resolve("last.tmp")), "no half-written checkpoint left beside it");
    }

    private static List<String> quoted(List<String> words) {
        return words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList();
    }
}
