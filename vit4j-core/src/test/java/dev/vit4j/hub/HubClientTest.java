package dev.vit4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hub protocol and cache against {@link LoopbackHub}; nothing leaves 127.0.0.1. */
class HubClientTest {
    private static final RepoRef REPO = RepoRef.parse("timm/vit_micro.test");

    @TempDir
    Path cacheDir;

    private LoopbackHub hub;
    private byte[] weights;
    private String commit;

    @BeforeEach
    void start() throws IOException {
        hub = new LoopbackHub();
        weights = new byte[3 << 20];
        new Random(7).nextBytes(weights);
        commit = hub.addRepo(
                "timm/vit_micro.test",
                false,
                Map.of(
                        "model.safetensors",
                        weights,
                        "config.json",
                        "{\"architecture\": \"vit_micro\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubClient client() {
        return new HubClient(HubSettings.fromEnvironment(Map.of())
                .withCache(cacheDir)
                .withEndpoint(hub.url())
                .withToken(null)
                .withRetries(3, Duration.ofMillis(5)));
    }

    @Test
    void downloadsIntoHuggingFaceHubsLayoutAndReusesIt() throws IOException {
        Path got = client().download(REPO, "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(got));
        String sha = LoopbackHub.hex(LoopbackHub.sha("SHA-256", weights));
        Path repo = cacheDir.resolve("models--timm--vit_micro.test");
        assertEquals(repo.resolve("snapshots/" + commit + "/model.safetensors"), got);
        assertTrue(Files.isSymbolicLink(got));
        assertEquals(Path.of("../../blobs/" + sha), Files.readSymbolicLink(got));
        assertEquals(commit, Files.readString(repo.resolve("refs/main")));
        Path config = client().download(REPO, "config.json"); // a git (non-LFS) file: checked by its blob SHA-1
        assertTrue(Files.readString(config).contains("vit_micro"));

        long gets = count("GET");
        client().download(REPO, "model.safetensors");
        assertEquals(gets, count("GET"), "a cached file is not fetched again");
        try (Stream<Path> s = Files.list(repo.resolve("blobs"))) {
            assertEquals(2, s.count(), "no .incomplete left");
        }
    }

    @Test
    void offlineUsesTheCacheAndOnlyTheCache() {
        HubClient offline = new HubClient(client().settings().withOffline(true));
        Vit4jException e = assertThrows(Vit4jException.class, () -> offline.download(REPO, "model.safetensors"));
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        client().download(REPO, "model.safetensors");
        int requests = hub.log().size();
        assertTrue(Files.isRegularFile(offline.download(REPO, "model.safetensors")));
        assertEquals(requests, hub.log().size(), "offline makes no request");
        assertTrue(client().downloadIfExists(REPO, "pytorch_model.bin").isEmpty());
        assertTrue(Files.exists(
                cacheDir.resolve("models--timm--vit_micro.test/.no_exist/" + commit + "/pytorch_model.bin")));
        assertTrue(
                offline.downloadIfExists(REPO, "pytorch_model.bin").isEmpty(),
                "known absent, as huggingface_hub records");
        assertThrows(Vit4jException.class, () -> offline.downloadIfExists(REPO, "preprocessor_config.json"));
    }

    @Test
    void aFileThatPythonsHuggingFaceHubDownloadedIsUsedAsIs() throws IOException {
        // The layout huggingface_hub writes: blob by SHA-256, relative symlink, refs/main.
        String sha = LoopbackHub.hex(LoopbackHub.sha("SHA-256", weights));
        Path repo = cacheDir.resolve("models--timm--vit_micro.test");
        Files.createDirectories(repo.resolve("blobs"));
        Files.write(repo.resolve("blobs/" + sha), weights);
        Files.createDirectories(repo.resolve("snapshots/" + commit));
        Files.createSymbolicLink(
                repo.resolve("snapshots/" + commit + "/model.safetensors"), Path.of("../../blobs/" + sha));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        assertArrayEquals(weights, Files.readAllBytes(client().download(REPO, "model.safetensors")));
        assertEquals(0, count("GET"), "found in the cache: only the HEAD that checks the revision");
        assertArrayEquals(
                weights,
                Files.readAllBytes(
                        new HubClient(client().settings().withOffline(true)).download(REPO, "model.safetensors")));
    }

    @Test
    void aCutConnectionIsResumedWithRange() throws IOException {
        hub.cutNext.set(2);
        Path got = client().download(REPO, "model.safetensors");
        assertArrayEquals(weights, Files.readAllBytes(got));
        List<String> ranged = hub.log().stream()
                .filter(l -> l.startsWith("GET /cdn/") && l.contains("bytes="))
                .toList();
        assertEquals(2, ranged.size(), hub.log().toString());
        // Each resume starts after what arrived before the cut: more than nothing, at most the half that was sent
        // (a reset socket may drop what the kernel still buffered, so the exact offset is not fixed).
        long first = rangeStart(ranged.get(0));
        long second = rangeStart(ranged.get(1));
        assertTrue(first > 0 && first <= weights.length / 2, ranged.toString());
        assertTrue(second > first && second <= first + (weights.length - first) / 2, ranged.toString());
    }

    private static long rangeStart(String logLine) {
        String from = logLine.substring(logLine.indexOf("bytes=") + 6);
        return Long.parseLong(from.substring(0, from.indexOf('-')));
    }

    @Test
    void anInterruptedDownloadIsResumedByTheNextRun() throws IOException {
        hub.cutNext.set(10);
        Vit4jException e = assertThrows(Vit4jException.class, () -> client().download(REPO, "model.safetensors"));
        assertTrue(e.getMessage().contains("run again to resume"), e.getMessage());
        String sha = LoopbackHub.hex(LoopbackHub.sha("SHA-256", weights));
        Path incomplete = cacheDir.resolve("models--timm--vit_micro.test/blobs/" + sha + ".incomplete");
        assertTrue(Files.size(incomplete) > 0);
        hub.cutNext.set(0);
        assertArrayEquals(weights, Files.readAllBytes(client().download(REPO, "model.safetensors")));
        assertFalse(Files.exists(incomplete));
    }

    @Test
    void aChecksumMismatchDeletesTheDownload() throws IOException {
        hub.corruptNext.set(1);
        Vit4jException e = assertThrows(Vit4jException.class, () -> client().download(REPO, "model.safetensors"));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        Path repo = cacheDir.resolve("models--timm--vit_micro.test");
        try (Stream<Path> s = Files.list(repo.resolve("blobs"))) {
            assertEquals(0, s.count(), "the bad file is gone");
        }
        assertFalse(Files.exists(repo.resolve("snapshots/" + commit + "/model.safetensors")));
        assertArrayEquals(weights, Files.readAllBytes(client().download(REPO, "model.safetensors")));
    }

    @Test
    void missingRepositoriesFilesAndPermissionsAreOneClearLine() {
        Vit4jException e = assertThrows(Vit4jException.class, () -> client().download(
                        RepoRef.parse("timm/no_such_model"), "model.safetensors"));
        assertTrue(e.getMessage().startsWith("no repository timm/no_such_model"), e.getMessage());
        assertTrue(client().downloadIfExists(REPO, "pytorch_model.bin").isEmpty());
        e = assertThrows(
                Vit4jException.class, () -> client().download(RepoRef.parse("timm/vit_micro.test@v9"), "config.json"));
        assertTrue(e.getMessage().contains("no revision 'v9'"), e.getMessage());

        hub.addRepo("acme/private", true, Map.of("model.safetensors", weights));
        e = assertThrows(
                Vit4jException.class, () -> client().download(RepoRef.parse("acme/private"), "model.safetensors"));
        assertTrue(e.getMessage().contains("set HF_TOKEN"), e.getMessage());
        HubClient wrong = new HubClient(client().settings().withToken("hf_wrong"));
        e = assertThrows(
                Vit4jException.class, () -> wrong.download(RepoRef.parse("acme/private"), "model.safetensors"));
        assertTrue(e.getMessage().contains("not allowed with the HF_TOKEN given"), e.getMessage());
        HubClient right = new HubClient(client().settings().withToken("hf_secret"));
        assertTrue(Files.isRegularFile(right.download(RepoRef.parse("acme/private"), "model.safetensors")));
    }

    @Test
    void serverErrorsAreRetriedThenReported() throws IOException {
        hub.unavailableNext.set(2);
        assertTrue(Files.isRegularFile(client().download(REPO, "config.json")), "two 503s, then success");
        hub.unavailableNext.set(100);
        Vit4jException e = assertThrows(
                Vit4jException.class, () -> client().download(RepoRef.parse("timm/other"), "model.safetensors"));
        assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
        int port = Integer.parseInt(hub.url().substring(hub.url().lastIndexOf(':') + 1));
        hub.close();
        HubClient down = new HubClient(client().settings().withEndpoint("http://127.0.0.1:" + port));
        e = assertThrows(Vit4jException.class, () -> down.download(RepoRef.parse("timm/other"), "model.safetensors"));
        assertTrue(e.getMessage().startsWith("cannot reach http://127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void concurrentDownloadersEndWithOneCorrectFile() throws Exception {
        hub.cdnDelayMillis = 200;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Path>> results = pool.invokeAll(List.of(
                    () -> client().download(REPO, "model.safetensors"),
                    () -> client().download(REPO, "model.safetensors"),
                    () -> client().download(REPO, "model.safetensors")));
            for (Future<Path> f : results) {
                assertArrayEquals(weights, Files.readAllBytes(f.get()));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(
                1, hub.log().stream().filter(l -> l.startsWith("GET /cdn/")).count(), "fetched once, under the lock");
    }

    private long count(String method) {
        return hub.log().stream().filter(l -> l.startsWith(method + " ")).count();
    }
}
