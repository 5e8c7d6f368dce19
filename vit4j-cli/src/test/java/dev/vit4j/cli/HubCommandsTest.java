package dev.vit4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.hub.LoopbackHub;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.weights.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models by name from a Hub served on 127.0.0.1 (HF_ENDPOINT), in child processes as a user runs them: the same
 * answers as the weights given by hand, the cache shared between runs and with HF_HUB_OFFLINE, one line and exit 2
 * for what a user must fix, and two processes downloading at once.
 */
class HubCommandsTest {
    private static final String DEIT = "timm/deit_tiny_patch16_224.fb_in1k";
    private static final String LANDSCAPE =
            CliTest.FIXTURES.resolve("images/landscape.png").toString();
    private static final String PORTRAIT =
            CliTest.FIXTURES.resolve("images/portrait.png").toString();

    @TempDir
    static Path dir;

    private static LoopbackHub hub;
    private static Path deitWeights;

    @BeforeAll
    static void serve() throws IOException {
        hub = new LoopbackHub();
        deitWeights = dir.resolve("deit_tiny.safetensors");
        try (LoadedModel m = LoadedModel.initialized(ModelRegistry.defaults().config("deit_tiny_patch16_224"), 11)) {
            SafeTensorsWriter.write(deitWeights, WeightLoader.stateDict(m.model()), Map.of("format", "pt"));
        }
        hub.addRepo(DEIT, false, Map.of("model.safetensors", Files.readAllBytes(deitWeights)));
        hub.addRepo(
                "acme/vit-micro-hf",
                false,
                Map.of(
                        "config.json", Files.readAllBytes(CliTest.FIXTURES.resolve("vit_micro_hf/config.json")),
                        "pytorch_model.bin",
                                Files.readAllBytes(CliTest.FIXTURES.resolve("formats/vit_micro_f16.bin"))));
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    private static Map<String, String> env(Path cache, boolean offline) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", hub.url());
        env.put("HF_HUB_CACHE", cache.toString());
        env.put("HF_HOME", dir.resolve("hf_home").toString());
        env.put("XDG_CACHE_HOME", dir.resolve("xdg").toString());
        env.remove("HF_TOKEN");
        if (offline) {
            env.put("HF_HUB_OFFLINE", "1");
        }
        return env;
    }

    private record Run(int code, String output) {}

    private static Process start(Path cache, boolean offline, String log, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ChildCli.command(List.of(), args))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(log).toFile());
        pb.environment().remove("HF_TOKEN");
        pb.environment().putAll(env(cache, offline));
        return pb.start();
    }

    private static Run child(Path cache, boolean offline, String... args) throws Exception {
        Process p = start(cache, offline, "child.log", args);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "child finished");
        return new Run(p.exitValue(), Files.readString(dir.resolve("child.log")));
    }

    @Test
    void aTimmNameGivesWhatTheWeightsGivenByHandGive() throws Exception {
        CliTest.Result byHand = CliTest.run(
                "predict", "-m", "deit_tiny_patch16_224", "-w", deitWeights.toString(), LANDSCAPE, PORTRAIT);
        assertEquals(0, byHand.code(), byHand.err());
        Path cache = dir.resolve("cache-a");
        Run byName = child(cache, false, "predict", "-m", DEIT, LANDSCAPE, PORTRAIT);
        assertEquals(0, byName.code(), byName.output());
        assertEquals(byHand.out(), byName.output());
        assertTrue(
                Files.isSymbolicLink(cache.resolve("models--timm--deit_tiny_patch16_224.fb_in1k/snapshots")
                        .toFile()
                        .listFiles()[0]
                        .toPath()
                        .resolve("model.safetensors")),
                "huggingface_hub's layout");

        int gets =
                (int) hub.log().stream().filter(l -> l.startsWith("GET /cdn/")).count();
        Run pretrained =
                child(cache, false, "predict", "-m", "deit_tiny_patch16_224", "--pretrained", LANDSCAPE, PORTRAIT);
        assertEquals(byHand.out(), pretrained.output(), "--pretrained is the default tag");
        Run hfHub = child(cache, true, "predict", "-m", "hf-hub:" + DEIT, LANDSCAPE, PORTRAIT);
        assertEquals(byHand.out(), hfHub.output(), "offline, from the cache");
        assertEquals(
                gets, hub.log().stream().filter(l -> l.startsWith("GET /cdn/")).count(), "downloaded once");
    }

    @Test
    void aTransformersRepositoryWithOnlyPytorchModelBin() throws Exception {
        Run r = child(dir.resolve("cache-b"), false, "predict", "-k", "2", "-m", "acme/vit-micro-hf", LANDSCAPE);
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("class_"), "labels from its config.json: " + r.output());
    }

    @Test
    void whatAUserMustFixIsOneLineAndExit2() throws Exception {
        Run offline = child(dir.resolve("cache-empty"), true, "predict", "-m", DEIT, LANDSCAPE);
        assertEquals(2, offline.code(), offline.output());
        assertTrue(offline.output().strip().startsWith("vit4j: HF_HUB_OFFLINE is set"), offline.output());
        assertEquals(1, offline.output().strip().lines().count(), offline.output());
        Run missing = child(dir.resolve("cache-c"), false, "predict", "-m", "timm/no_such_model.x", LANDSCAPE);
        assertEquals(2, missing.code(), missing.output());
        assertTrue(missing.output().contains("no repository timm/no_such_model.x"), missing.output());
        CliTest.assertBadInput(CliTest.run("predict", "-m", "deit_tiny_patch16_224", LANDSCAPE), "--pretrained");
        CliTest.assertBadInput(
                CliTest.run("predict", "-m", "deit_tiny_patch16_224.in22k", "--pretrained", LANDSCAPE),
                "no pretrained tag 'in22k'");
    }

    @Test
    void twoProcessesFetchingTheSameFileEndWithOneCorrectFile() throws Exception {
        Path cache = dir.resolve("cache-d");
        hub.cdnDelayMillis = 1500;
        try {
            long before =
                    hub.log().stream().filter(l -> l.startsWith("GET /cdn/")).count();
            Process a = start(cache, false, "a.log", "predict", "-m", DEIT, LANDSCAPE);
            Process b = start(cache, false, "b.log", "predict", "-m", DEIT, LANDSCAPE);
            assertTrue(a.waitFor(180, TimeUnit.SECONDS) && b.waitFor(180, TimeUnit.SECONDS));
            assertEquals(0, a.exitValue(), Files.readString(dir.resolve("a.log")));
            assertEquals(0, b.exitValue(), Files.readString(dir.resolve("b.log")));
            assertEquals(Files.readString(dir.resolve("a.log")), Files.readString(dir.resolve("b.log")));
            assertEquals(
                    before + 1,
                    hub.log().stream().filter(l -> l.startsWith("GET /cdn/")).count(),
                    "one download; the other process waited on the lock and used it");
        } finally {
            hub.cdnDelayMillis = 0;
        }
    }
}
