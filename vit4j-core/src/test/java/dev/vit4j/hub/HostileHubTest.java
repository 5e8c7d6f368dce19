package dev.vit4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hub on 127.0.0.1 that misbehaves, one way per test: bodies that stall or never end, redirect loops, names that
 * would escape the cache, HTML where JSON belongs, silence. Every case ends in bounded time with one clear line, and
 * nothing is written past what the Hub declared nor kept under a wrong name.
 */
class HostileHubTest {
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String SHA = "ab".repeat(32);
    private static final RepoRef REPO = RepoRef.parse("timm/hostile.test");

    @TempDir
    Path cacheDir;

    private HttpServer server;
    private ExecutorService threads;
    private final AtomicLong bytesSent = new AtomicLong();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
            threads.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange ex) throws Exception;
    }

    /** HEAD on resolve/: an LFS file of {@code size} bytes (or undeclared) behind a redirect to /cdn; GET: {@code cdn}. */
    private String serve(long size, String etag, Handler cdn) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/", ex -> {
            try (ex) {
                if (ex.getRequestURI().getPath().contains("/resolve/")) {
                    ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
                    ex.getResponseHeaders().add("X-Linked-Etag", "\"" + etag + "\"");
                    if (size >= 0) {
                        ex.getResponseHeaders().add("X-Linked-Size", Long.toString(size));
                    }
                    ex.getResponseHeaders().add("Location", url() + "/cdn/blob");
                    ex.sendResponseHeaders(302, -1);
                } else {
                    cdn.handle(ex);
                }
            } catch (Exception e) {
                // the client went away: what these tests expect of it
            }
        });
        server.start();
        return url();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private HubClient client(String endpoint, int retries, List<String> retried) {
        return new HubClient(HubSettings.fromEnvironment(Map.of())
                        .withCache(cacheDir)
                        .withEndpoint(endpoint)
                        .withToken(null)
                        .withRetries(retries, Duration.ofMillis(5))
                        .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(500)))
                .listener(new HubClient.Listener() {
                    @Override
                    public void retrying(String what, String reason, int next, int attempts) {
                        retried.add(what + ": " + reason + " (" + next + " of " + attempts + ")");
                    }
                });
    }

    private Vit4jException refused(HubClient client, String file) {
        return assertTimeoutPreemptively(
                Duration.ofSeconds(20), () -> assertThrows(Vit4jException.class, () -> client.download(REPO, file)));
    }

    /** The largest blob, whole or .incomplete (refs/ holds the 40-byte commit, written before any download). */
    private long largestFileInCache() throws IOException {
        try (Stream<Path> s = Files.walk(cacheDir)) {
            return s.filter(p -> Files.isRegularFile(p)
                            && p.getParent().getFileName().toString().equals("blobs"))
                    .mapToLong(p -> p.toFile().length())
                    .max()
                    .orElse(0);
        }
    }

    private boolean snapshotExists() throws IOException {
        try (Stream<Path> s = Files.walk(cacheDir)) {
            return s.anyMatch(p -> p.toString().contains("/snapshots/")
                    && p.getFileName().toString().equals("model.safetensors"));
        }
    }

    @Test
    void aBodyThatStallsTimesOutIsRetriedAndReported() throws IOException {
        String hub = serve(3000, SHA, ex -> {
            ex.sendResponseHeaders(200, 3000);
            ex.getResponseBody().write(new byte[100]);
            ex.getResponseBody().flush();
            Thread.sleep(30_000); // interrupted when the test stops the server
        });
        List<String> retried = new CopyOnWriteArrayList<>();
        Vit4jException e = refused(client(hub, 2, retried), "model.safetensors");
        assertTrue(
                e.getMessage().contains("no data for") && e.getMessage().contains("after 100 of 3000 bytes"),
                e.getMessage());
        assertEquals(2, retried.size(), "each stall retried: " + retried);
        assertTrue(retried.get(0).contains("(2 of 3)"), retried.toString());
        assertFalse(snapshotExists());
    }

    @Test
    void anEndlessBodyIsCutAtTheDeclaredSizeAndDeleted() throws IOException {
        String hub = serve(3000, SHA, ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no length of its own
            OutputStream out = ex.getResponseBody();
            byte[] chunk = new byte[1 << 14];
            for (int i = 0; i < 4096; i++) { // at most 64 MB, and the client hangs up long before
                out.write(chunk);
                bytesSent.addAndGet(chunk.length);
            }
        });
        Vit4jException e = refused(client(hub, 3, new ArrayList<>()), "model.safetensors");
        assertTrue(e.getMessage().contains("more bytes than the 3000 declared"), e.getMessage());
        assertTrue(largestFileInCache() <= 3000, "never more than declared on disk: " + largestFileInCache());
        assertFalse(snapshotExists());
    }

    @Test
    void aContentLengthAboveTheDeclaredSizeIsRefusedBeforeWriting() throws IOException {
        String hub = serve(3000, SHA, ex -> {
            ex.sendResponseHeaders(200, 5000);
            ex.getResponseBody().write(new byte[5000]);
        });
        Vit4jException e = refused(client(hub, 3, new ArrayList<>()), "model.safetensors");
        assertTrue(e.getMessage().contains("announces 5000 bytes, the Hub declared 3000"), e.getMessage());
        assertEquals(0, largestFileInCache());
    }

    @Test
    void anUndeclaredSizeIsBoundedToo() throws IOException {
        String hub = serve(-1, SHA, ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            byte[] chunk = new byte[1 << 16];
            for (int i = 0; i < 8192; i++) { // 512 MB at most: twice the bound
                out.write(chunk);
            }
        });
        Vit4jException e = refused(client(hub, 0, new ArrayList<>()), "model.safetensors");
        assertTrue(e.getMessage().contains("no size declared"), e.getMessage());
        assertTrue(largestFileInCache() <= 256L << 20);
        assertFalse(snapshotExists());
    }

    @Test
    void aRedirectLoopIsReportedAndItsBodyNeverStored() throws IOException {
        String hub = serve(21, SHA, ex -> {
            byte[] html = "<html>moved</html>\n\n\n".getBytes(StandardCharsets.US_ASCII);
            ex.getResponseHeaders().add("Location", url() + "/cdn/blob");
            ex.sendResponseHeaders(302, html.length);
            ex.getResponseBody().write(html);
        });
        Vit4jException e = refused(client(hub, 3, new ArrayList<>()), "model.safetensors");
        assertTrue(e.getMessage().contains("redirect loop"), e.getMessage());
        assertEquals(0, largestFileInCache(), "no redirect body kept");
        assertFalse(snapshotExists());
    }

    @Test
    void dotNamesAreBadInputNotDiskErrors() throws IOException {
        for (String etag : List.of(".", "..", ".hidden")) {
            String hub = serve(3, etag, ex -> ex.sendResponseHeaders(500, -1));
            Vit4jException e = refused(client(hub, 0, new ArrayList<>()), "model.safetensors");
            assertTrue(e.getMessage().contains("malformed ETag"), e.getMessage());
            stop();
        }
        for (String spec : List.of("timm/x@.", "timm/x@..", "timm/x@a/../b", "timm/x@", "timm/x@a//b")) {
            Vit4jException e = assertThrows(Vit4jException.class, () -> RepoRef.parse(spec));
            assertTrue(e.getMessage().startsWith("not a revision"), e.getMessage());
        }
        assertEquals("refs/pr/1", RepoRef.parse("timm/x@refs/pr/1").revision());
    }

    @Test
    void anHtmlPageForConfigJsonIsOneLine() throws IOException {
        try (LoopbackHub hub = new LoopbackHub()) {
            hub.addRepo(
                    "timm/vit_micro.html",
                    false,
                    Map.of(
                            "config.json",
                            "<!DOCTYPE html>\n<html><body>Hello from a captive portal</body></html>\n"
                                    .getBytes(StandardCharsets.UTF_8)));
            HubClient client = client(hub.url(), 0, new ArrayList<>());
            Vit4jException e =
                    assertThrows(Vit4jException.class, () -> HubModels.resolve("timm/vit_micro.html", client));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().contains("config.json is not JSON"), e.getMessage());
        }
    }

    @Test
    void aHubThatNeverAnswersSaysWhatItWaitsForAndGivesUp() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepted, never answered
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            List<String> retried = new CopyOnWriteArrayList<>();
            HubClient client = client("http://127.0.0.1:" + silent.getLocalPort(), 2, retried);
            Vit4jException e = refused(client, "model.safetensors");
            assertTrue(e.getMessage().startsWith("cannot reach"), e.getMessage());
            assertEquals(2, retried.size(), retried.toString());
            assertTrue(
                    retried.get(0).startsWith("model.safetensors of timm/hostile.test from http://127.0.0.1:")
                            && retried.get(0).contains("timed out")
                            && retried.get(1).endsWith("(3 of 3)"),
                    retried.toString());
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
