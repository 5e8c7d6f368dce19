package dev.vit4j.serve;

import static dev.vit4j.serve.VitServerTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile or broken client sends: uploads that trickle, forms with more images than a request may carry, forms
 * that are not forms, charsets that do not exist, requests Jetty refuses before any route. Every answer is one line of
 * JSON with the status that fits, counted in /metrics, and the server keeps serving everyone else.
 */
class ServerAbuseTest {
    private static final int SLOW_CLIENTS = 300;
    private static final int QUEUE = 16;
    private static final int MAX_IMAGES = 8;

    @TempDir
    static Path dir;

    static VitServer server;
    static Http http;

    @BeforeAll
    static void start() throws IOException {
        Path shapes = ServeFixtures.shapesModel(dir);
        server = VitServer.start(
                Map.of("shapes", () -> LoadedModel.load((String) null, shapes)),
                ServeOptions.defaults()
                        .withPort(0)
                        .withEngine(EngineType.ONNX, 1)
                        .withBatching(8, 5, QUEUE)
                        .withMaxImages(MAX_IMAGES)
                        .withLimits(4_000, 20L << 20, 40_000_000L));
        server.awaitReady();
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /**
     * 300 clients that send headers and then a byte every 300 ms (more than the 250 threads Jetty has) hold no thread:
     * health and predictions of other clients are answered as usual, and the trickling uploads get 408 at the request's
     * deadline.
     */
    @Test
    void slowUploadersHoldNoThreads() throws Exception {
        byte[] image = ServeFixtures.shapePng(3);
        int expected = http.post("/v1/models/shapes/predict?k=1", image)
                .json()
                .get("predictions")
                .get(0)
                .get("index")
                .asInt();
        ExecutorService pool = Executors.newFixedThreadPool(SLOW_CLIENTS);
        try {
            List<Future<String>> slow = new ArrayList<>();
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                slow.add(pool.submit(() -> trickle(image)));
            }
            Thread.sleep(1500); // every slow client connected and trickling
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                assertEquals(200, http.get("/health/live").status());
                Http.Reply r = http.post("/v1/models/shapes/predict?k=1", image);
                assertEquals(200, r.status(), r.text());
                assertEquals(
                        expected,
                        r.json().get("predictions").get(0).get("index").asInt());
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms < 3_000, "health + predict took " + ms + " ms among " + SLOW_CLIENTS + " slow uploaders");
            }
            int timedOut = 0;
            for (Future<String> f : slow) {
                String answer = f.get(60, TimeUnit.SECONDS);
                timedOut += answer.startsWith("HTTP/1.1 408") ? 1 : 0;
            }
            assertEquals(SLOW_CLIENTS, timedOut, "each trickling upload ends with 408 at its deadline");
        } finally {
            pool.shutdownNow();
        }
        assertTrue(http.get("/metrics").text().contains("status=\"408\""));
    }

    /** Headers, then the image a byte at a time every 300 ms for at most 8 s; the server's status line. */
    private static String trickle(byte[] image) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(300);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /v1/models/shapes/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                                    + "Content-Length: " + image.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            for (int i = 0; i < 27; i++) {
                out.write(image[i]);
                out.flush();
                try {
                    byte[] head = in.readNBytes(12);
                    return new String(head, StandardCharsets.US_ASCII);
                } catch (SocketTimeoutException stillReading) {
                    // the server is waiting for the rest
                }
            }
            return "no answer";
        }
    }

    @Test
    void aFormWithMoreImagesThanARequestMayCarryRunsNothing() {
        double before = imagesRun();
        Map<String, byte[]> nine = new LinkedHashMap<>();
        for (int i = 0; i <= MAX_IMAGES; i++) {
            nine.put("img" + i + ".png", ServeFixtures.shapePng(i));
        }
        assertError(http.postFiles("/v1/models/shapes/predict", nine), 413, "9 images in one request; at most 8");
        ByteArrayOutputStream tiny = new ByteArrayOutputStream();
        for (int i = 0; i < 5000; i++) {
            tiny.writeBytes(("--b\r\nContent-Disposition: form-data; name=\"i\"; filename=\"" + i + "\"\r\n\r\nx\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        tiny.writeBytes("--b--\r\n".getBytes(StandardCharsets.US_ASCII));
        assertError(
                http.post("/v1/models/shapes/predict", tiny.toByteArray(), "multipart/form-data; boundary=b", null),
                413,
                "more than 8 images in one request; at most 8");
        assertEquals(before, imagesRun(), "nothing of a refused request is run");
        Map<String, byte[]> eight = new LinkedHashMap<>(nine);
        eight.remove("img8.png");
        assertEquals(
                MAX_IMAGES,
                http.postFiles("/v1/models/shapes/predict", eight).json().size());
    }

    private static double imagesRun() {
        Matcher m = Pattern.compile("vit4j_images_total\\{[^}]*\\} ([0-9.E]+)")
                .matcher(http.get("/metrics").text());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void aBrokenFormIsTheClients400() {
        byte[] png = ServeFixtures.shapePng(1);
        String part = "--good\r\nContent-Disposition: form-data; name=\"i\"; filename=\"a.png\"\r\n\r\n";
        byte[] unclosed = concat(part.getBytes(StandardCharsets.US_ASCII), png);
        byte[] whole = concat(unclosed, "\r\n--good--\r\n".getBytes(StandardCharsets.US_ASCII));
        assertError(
                http.post("/v1/models/shapes/predict", whole, "multipart/form-data; boundary=other", null),
                400,
                "malformed multipart form");
        assertError(
                http.post("/v1/models/shapes/predict", whole, "multipart/form-data", null),
                400,
                "malformed multipart form");
        assertError(
                http.post("/v1/models/shapes/predict", unclosed, "multipart/form-data; boundary=good", null),
                400,
                "malformed multipart form");
        assertEquals(
                1,
                http.post("/v1/models/shapes/predict", whole, "multipart/form-data; boundary=good", null)
                        .json()
                        .size());
        String metrics = http.get("/metrics").text();
        assertTrue(metrics.contains("route=\"/v1/models/{name}/predict\",status=\"400\""), metrics);
        assertTrue(!metrics.contains("status=\"499\""), "a malformed form is not a client that left");
    }

    @Test
    void anUnknownCharsetLeavesTheQueryAlone() {
        byte[] png = ServeFixtures.shapePng(2);
        JsonNode r = http.post("/v1/models/shapes/predict?k=2", png, "application/octet-stream; charset=bogus", null)
                .json();
        assertEquals(2, r.get("predictions").size(), r.toString());
        assertError(
                http.post("/v1/models/shapes/predict?k=0", png, "image/png; charset=bogus", null), 400, "k must be");
    }

    @Test
    void whatJettyRefusesItselfIsOneLineOfJsonAndCounted() throws IOException {
        String big = "x".repeat(64 << 10);
        assertJsonError(raw("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n"), 431);
        assertJsonError(raw("GET /health/live?" + big + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414);
        assertJsonError(raw("GET /v1/models/%00/predict HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
        for (String path :
                List.of("/../metrics", "/v1/../../metrics", "/v1/%2e%2e/metrics", "/v1/%2F/x", "/a;b/../c")) {
            String answer = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertJsonError(answer, Integer.parseInt(answer.substring(9, 12)));
            assertTrue(answer.charAt(9) == '4', path + ": " + answer);
        }
        String metrics = http.get("/metrics").text();
        for (String status : List.of("431", "414", "400")) {
            assertTrue(metrics.contains("status=\"" + status + "\""), status + " counted: " + metrics);
        }
        assertEquals(200, http.get("/health/live").status(), "and serving on");
    }

    private static void assertJsonError(String response, int status) {
        assertTrue(response.startsWith("HTTP/1.1 " + status), response);
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        assertTrue(response.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), response);
        assertTrue(body.startsWith("{\"error\":") && body.strip().lines().count() == 1, body);
    }

    /** One request as bytes on a socket; the whole response (the server closes, or 5 s pass). */
    private static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n = s.getInputStream().read(buf);
                        n >= 0;
                        n = s.getInputStream().read(buf)) {
                    got.write(buf, 0, n);
                    String text = got.toString(StandardCharsets.ISO_8859_1);
                    int end = text.indexOf("\r\n\r\n");
                    Matcher length =
                            Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
                    if (end >= 0 && length.find() && got.size() >= end + 4 + Integer.parseInt(length.group(1))) {
                        break;
                    }
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // what arrived is the answer
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
