package dev.vit4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.weights.SafeTensorsWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vit4j serve} as a process: named models, bad models, and SIGTERM answering everything queued, exit 0. */
class ServeCommandTest {
    static final String SHAPES = Path.of("..", "vit4j-core", "src", "test", "resources", "trained", "cait_shapes_demo")
            .toString();

    @TempDir
    Path dir;

    @Test
    void sigtermAnswersEverythingQueuedThenExitsZero() throws Exception {
        // DeiT-Ti at 224 on one image per batch: 16 requests queue up behind each other.
        Path weights = dir.resolve("deit.safetensors");
        try (LoadedModel m = LoadedModel.initialized(ModelRegistry.defaults().config("deit_tiny_patch16_224"), 5)) {
            SafeTensorsWriter.write(weights, WeightLoader.stateDict(m.model()), Map.of("format", "pt"));
        }
        Path log = dir.resolve("serve.log");
        Process child = ChildCli.start(
                log,
                Map.of(),
                "serve",
                "-m",
                "deit=deit_tiny_patch16_224",
                "-w",
                "deit=" + weights,
                "-m",
                SHAPES,
                "--port",
                "0",
                "--max-batch",
                "1",
                "--threads",
                "1");
        try {
            int port = awaitReady(child, log);
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();
            assertEquals(
                    200,
                    http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models/"
                                                    + "cait_shapes_demo/predict"))
                                            .POST(HttpRequest.BodyPublishers.ofByteArray(
                                                    Files.readAllBytes(Path.of(CliTest.IMAGE))))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode(),
                    "the model directory is served under its name");
            byte[] image = Files.readAllBytes(Path.of(CliTest.IMAGE));
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                inFlight.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models/deit/predict"))
                                .timeout(Duration.ofMinutes(1))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            double depth = 0;
            while (depth < 4 && System.nanoTime() < until) {
                String m = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                Matcher d = Pattern.compile("vit4j_queue_depth\\{model=\"deit\"} ([0-9.]+)")
                        .matcher(m);
                depth = d.find() ? Double.parseDouble(d.group(1)) : 0;
            }
            assertTrue(depth >= 4, "requests queue up");
            child.destroy(); // SIGTERM
            int ok = 0;
            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                HttpResponse<String> r = f.get(1, TimeUnit.MINUTES);
                assertTrue(r.statusCode() == 200 || r.statusCode() == 503, r.statusCode() + " " + r.body());
                ok += r.statusCode() == 200 ? 1 : 0;
            }
            assertTrue(ok >= depth, ok + " answered of at least " + depth + " queued at the signal");
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "exits after SIGTERM");
            String text = Files.readString(log);
            assertEquals(0, child.exitValue(), text);
            assertTrue(text.contains("vit4j serve: stopped"), text);
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void badModelsABusyPortAndHelp() throws Exception {
        CliTest.Result help = CliTest.run("serve", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--max-delay-ms"), help.out());
        CliTest.assertBadInput(
                CliTest.run("serve", "-m", dir.resolve("nothing").toString(), "--port", "0"), "unknown model");
        CliTest.assertBadInput(
                CliTest.run("serve", "-m", "a=" + SHAPES, "-m", "a=" + SHAPES, "--port", "0"), "two models named 'a'");
        CliTest.assertBadInput(
                CliTest.run("serve", "-m", SHAPES, "-w", "other=x.safetensors", "--port", "0"),
                "no model named 'other'");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CliTest.assertBadInput(
                    CliTest.run("serve", "-m", SHAPES, "--port", Integer.toString(taken.getLocalPort())),
                    "cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    /** The table; its images given as one file (not only a folder: "I/O error: land.jpg" before). */
    @Test
    void loadtestPrintsTheTable() {
        CliTest.Result r = CliTest.run(
                "loadtest",
                "-m",
                SHAPES,
                "--images",
                CliTest.IMAGE,
                "--concurrency",
                "1,4",
                "--requests",
                "24",
                "--offline-batches",
                "3",
                "--warmup",
                "8",
                "--rounds",
                "1",
                "--threads",
                "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("offline engine"), r.out());
        assertTrue(
                Pattern.compile("(?m)^\\s+4\\s+[0-9.]+\\s+[0-9.]+")
                        .matcher(r.out())
                        .find(),
                r.out());
    }

    @Test
    void sigtermDuringALoadtestStopsTheClientsClosesTheServerAndExits143() throws Exception {
        Path log = dir.resolve("loadtest.log");
        Process child = ChildCli.start(
                log,
                Map.of(),
                "loadtest",
                "-m",
                SHAPES,
                "--concurrency",
                "8",
                "--requests",
                "100000",
                "--offline-batches",
                "2",
                "--warmup",
                "0",
                "--rounds",
                "1",
                "--threads",
                "1");
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < until
                    && child.isAlive()
                    && !(Files.exists(log) && Files.readString(log).contains("client(s)"))) {
                Thread.sleep(100);
            }
            assertTrue(Files.readString(log).contains("8 client(s)"), Files.readString(log));
            Thread.sleep(500); // requests in flight, batches in the engine
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "exits after SIGTERM");
            String text = Files.readString(log);
            assertEquals(143, child.exitValue(), text);
            assertTrue(text.contains("vit4j loadtest: stopped by a signal"), text);
            assertFalse(text.contains("fatal error"), text);
        } finally {
            child.destroyForcibly();
        }
    }

    /** The port from "listening on http://127.0.0.1:PORT", once the log says "ready". */
    private static int awaitReady(Process child, Path log) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < until && child.isAlive()) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)")
                    .matcher(text);
            if (text.contains("ready:") && m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the server never got ready: " + Files.readString(log));
    }
}
