package dev.vit4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.models.Configs;
import dev.vit4j.weights.SafeTensors;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} (SIGKILL, {@link Process#destroyForcibly}) of a training process at random moments, then
 * resume: the run ends bit-identical to an uninterrupted one, and whatever is visible under its final names
 * after each kill is complete.
 */
class CrashResumeTest {
    @TempDir
    Path dir;

    /** The child process: says when it starts training, then trains (resuming) the run of {@link #run}. */
    public static void main(String[] args) throws IOException {
        ai.djl.engine.Engine.getEngine("PyTorch");
        System.out.println("ready");
        run(Path.of(args[0]));
    }

    static TrainerState run(Path out) throws IOException {
        return new Trainer(
                        TrainerTest.quick(EPOCHS),
                        TrainerTest.tinyCait(),
                        TrainerTest.train(384),
                        TrainerTest.val(),
                        out,
                        new TrainingListener() {})
                .resume();
    }

    private static final int EPOCHS = 5;

    /** A kill between the last/ checkpoint and history.csv (found by the random test): resume mends the history. */
    @Test
    void aCrashBetweenTheCheckpointAndTheHistoryIsMendedOnResume() throws IOException {
        Path out = dir.resolve("run");
        new Trainer(
                        TrainerTest.quick(2),
                        TrainerTest.tinyCait(),
                        TrainerTest.train(64),
                        TrainerTest.val(),
                        out,
                        new TrainingListener() {})
                .run();
        List<String> full = Files.readAllLines(out.resolve("history.csv"));
        Files.write(out.resolve("history.csv"), full.subList(0, full.size() - 1));
        new Trainer(
                        TrainerTest.quick(2),
                        TrainerTest.tinyCait(),
                        TrainerTest.train(64),
                        TrainerTest.val(),
                        out,
                        new TrainingListener() {})
                .resume();
        assertEquals(full, Files.readAllLines(out.resolve("history.csv")));
    }

    @Test
    void killedAtRandomMomentsThenResumedEqualsAnUninterruptedRun() throws Exception {
        Path reference = dir.resolve("uninterrupted");
        long t0 = System.nanoTime();
        run(reference);
        long runMillis = (System.nanoTime() - t0) / 1_000_000;
        Path crashed = dir.resolve("crashed");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int kills = 0;
        for (int attempt = 0; attempt < 8 && kills < 3; attempt++) {
            Process child = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx512m",
                            "-Dai.djl.offline=true",
                            "-cp",
                            System.getProperty("java.class.path"),
                            CrashResumeTest.class.getName(),
                            crashed.toString())
                    .redirectErrorStream(true)
                    .start();
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder log = new StringBuilder();
            for (String line = out.readLine(); line != null && !line.equals("ready"); line = out.readLine()) {
                log.append(line).append('\n');
            }
            Thread drain =
                    new Thread(() -> out.lines().forEach(l -> log.append(l).append('\n')));
            drain.start();
            // A moment anywhere in the run: a fresh JVM trains about 2–3 times slower than this warm one did.
            long delay = random.nextInt((int) Math.max(1, 3 * runMillis));
            if (child.waitFor(delay, TimeUnit.MILLISECONDS)) {
                drain.join();
                assertEquals(0, child.exitValue(), log.toString());
                if (kills > 0) {
                    break;
                }
                dev.vit4j.io.Directories.deleteTree(
                        crashed); // finished before the kill: start over, so that at least one kill happens
                continue;
            }
            child.destroyForcibly().waitFor();
            drain.join();
            kills++;
            Path last = Checkpoint.complete(crashed.resolve("last"));
            System.out.println(
                    "[crash] SIGKILL after " + delay + " ms (warm uninterrupted run: " + runMillis + " ms; seed " + seed
                            + "); epochs saved: " + (last == null ? 0 : Checkpoint.readState(last).epochsDone));
            assertVisibleFilesComplete(crashed);
        }
        assertTrue(kills > 0, "the training process was killed at least once");
        TrainerState state = run(crashed);
        assertEquals(EPOCHS, state.epochsDone);
        for (String file : List.of("last/model.safetensors", "last/optimizer.safetensors", "best/model.safetensors")) {
            assertArrayEquals(
                    Files.readAllBytes(reference.resolve(file)),
                    Files.readAllBytes(crashed.resolve(file)),
                    file + " after " + kills + " kills (seed " + seed + ")");
        }
        assertEquals(
                Files.readString(reference.resolve("history.csv")).replaceAll(",[0-9.]+\n", "\n"),
                Files.readString(crashed.resolve("history.csv")).replaceAll(",[0-9.]+\n", "\n"));
        try (var files = Files.list(crashed)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files cleaned up");
        }
    }

    /** Every checkpoint and output under its final name opens and parses. */
    private static void assertVisibleFilesComplete(Path run) throws IOException {
        for (String name : List.of("last", "best")) {
            Path d = run.resolve(name);
            if (Files.isDirectory(d)) {
                Configs.read(d.resolve("config.json"));
                try (SafeTensors st = SafeTensors.open(d.resolve("model.safetensors"))) {
                    assertTrue(st.tensors().size() > 10);
                }
                if (name.equals("last")) {
                    Checkpoint.readState(d);
                    SafeTensors.open(d.resolve("optimizer.safetensors")).close();
                }
            }
        }
        Path history = run.resolve("history.csv");
        if (Files.exists(history)) {
            List<String> lines = Files.readAllLines(history);
            int columns = lines.get(0).split(",").length;
            for (String line : lines) {
                assertEquals(columns, line.split(",").length, "complete history line: " + line);
            }
        }
        Path plot = run.resolve("learning_curves.png");
        if (Files.exists(plot)) {
            assertTrue(javax.imageio.ImageIO.read(plot.toFile()) != null, "learning_curves.png decodes");
        }
    }
}
