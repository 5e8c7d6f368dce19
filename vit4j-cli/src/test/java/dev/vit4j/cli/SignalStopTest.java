package dev.vit4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.data.ShapesDataset;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.weights.SafeTensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGTERM in the middle of every command that runs an engine, in a child process, the way {@code kill} or a
 * service manager sends it: exit 143, one line, no JVM crash (ONNX Runtime's environment used to be released by
 * its shutdown hook under a running session: SIGSEGV, exit 134, an hs_err file), nothing half-written. The signal
 * comes once ONNX Runtime is loaded and the engine has had a moment to start: a DeiT-Ti-size model spends most of
 * its time inside the engine's runs, where the crash was (about one stop in two).
 */
class SignalStopTest {
    private static final int IMAGES = 400;

    @TempDir
    static Path dir;

    private static Path deit;
    private static Path shapesConfig;
    private static Path shapesWeights;
    private static Path images;

    @BeforeAll
    static void models() throws Exception {
        deit = dir.resolve("deit.safetensors");
        try (LoadedModel m = LoadedModel.initialized(ModelRegistry.defaults().config("deit_tiny_patch16_224"), 3)) {
            SafeTensorsWriter.write(deit, WeightLoader.stateDict(m.model()), null);
        }
        ModelConfig shapes =
                ModelRegistry.defaults().config("deit_tiny_patch16_224").copy();
        shapes.name = "deit_tiny_shapes";
        shapes.numClasses = ShapesDataset.CLASSES.size();
        shapesConfig = dir.resolve("shapes.json");
        Files.writeString(shapesConfig, Configs.toJson(shapes));
        shapesWeights = dir.resolve("shapes.safetensors");
        try (LoadedModel m = LoadedModel.initialized(shapes, 4)) {
            SafeTensorsWriter.write(shapesWeights, WeightLoader.stateDict(m.model()), null);
        }
        images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < IMAGES; i++) {
            Files.copy(CliTest.FIXTURES.resolve("images/landscape.png"), images.resolve("img" + i + ".png"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"predict", "embed", "eval", "attention", "mad", "bench"})
    void sigtermStopsTheCommandCleanly(String command) throws Exception {
        Path work = Files.createDirectories(dir.resolve("run-" + command));
        Path out = work.resolve("out");
        List<String> args = new ArrayList<>(List.of(command));
        String deitModel = "deit_tiny_patch16_224";
        switch (command) {
            case "predict" -> {
                args.addAll(List.of("-m", deitModel, "-w", deit.toString()));
                try (Stream<Path> s = Files.list(images)) {
                    s.forEach(p -> args.add(p.toString()));
                }
            }
            case "embed" -> args.addAll(
                    List.of("-m", deitModel, "-w", deit.toString(), images.toString(), "-o", out + ".npy"));
            case "eval" -> args.addAll(List.of(
                    "-m",
                    shapesConfig.toString(),
                    "-w",
                    shapesWeights.toString(),
                    "--data",
                    "shapes:224:2000",
                    "-o",
                    out.toString()));
            case "attention" -> {
                args.addAll(List.of(
                        "-m", deitModel, "-w", deit.toString(), "--engine", "onnx", "--rollout", "-o", out.toString()));
                try (Stream<Path> s = Files.list(images)) {
                    s.limit(200).forEach(p -> args.add(p.toString()));
                }
            }
            case "mad" -> args.addAll(List.of(
                    "-m",
                    shapesConfig.toString(),
                    "-w",
                    shapesWeights.toString(),
                    "--engine",
                    "onnx",
                    "--data",
                    "shapes:224:2000",
                    "-o",
                    out.toString()));
            case "bench" -> args.addAll(List.of("-m", deitModel, "-w", deit.toString(), "--runs", "1000"));
            default -> throw new IllegalArgumentException(command);
        }
        Path log = work.resolve("child.log");
        ProcessBuilder pb = new ProcessBuilder(ChildCli.command(List.of("-Xmx2g"), args.toArray(String[]::new)))
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Process child = pb.start();
        awaitWork(child, command);
        assertEquals(
                0,
                new ProcessBuilder("kill", "-TERM", Long.toString(child.pid()))
                        .start()
                        .waitFor());
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "exits after SIGTERM");
        String text = Files.readString(log);
        assertEquals(143, child.exitValue(), text);
        assertTrue(text.contains("vit4j: stopped by SIGTERM"), text);
        assertFalse(text.contains("A fatal error") || text.contains("SIGSEGV"), "no JVM crash: " + text);
        assertFalse(text.contains("\tat ") || text.contains("Exception"), "no stack trace: " + text);
        try (Stream<Path> left = Files.walk(work)) {
            List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().noneMatch(n -> n.startsWith("hs_err")), "no crash log: " + names);
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".tmp")), "nothing half-written: " + names);
        }
    }

    /** Until the command is at work: ONNX Runtime mapped into the child (the engine exists), then a moment for runs. */
    private static void awaitWork(Process child, String command) throws Exception {
        Path maps = Path.of("/proc", Long.toString(child.pid()), "maps");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.readString(maps).contains("libonnxruntime")) {
            assertTrue(child.isAlive(), command + " ended before its engine started");
            assertTrue(System.nanoTime() < deadline, command + ": no engine after 90 s");
            Thread.sleep(100);
        }
        Thread.sleep(2500);
        assertTrue(child.isAlive(), command + " finished before the signal: give it more work");
    }
}
