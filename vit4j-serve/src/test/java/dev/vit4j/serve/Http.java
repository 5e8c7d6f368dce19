package dev.vit4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A small HTTP client for the server tests (JDK's HttpClient, loopback only, every call bounded in time). */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String apiKey;

    Http(int port, String apiKey) {
        this.base = "http://127.0.0.1:" + port;
        this.apiKey = apiKey;
    }

    Http(int port) {
        this(port, null);
    }

    record Reply(int status, byte[] body, Map<String, java.util.List<String>> headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text(), e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), java.util.List.of()).stream()
                    .findFirst()
                    .orElse(null);
        }
    }

    Reply get(String path) {
        return send(request(path).GET());
    }

    Reply post(String path, byte[] body) {
        return post(path, body, "application/octet-stream", null);
    }

    Reply post(String path, byte[] body, String contentType, String accept) {
        HttpRequest.Builder r =
                request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (accept != null) {
            r.header("Accept", accept);
        }
        return send(r);
    }

    /** A multipart form with one file field per image. */
    Reply postFiles(String path, Map<String, byte[]> files) {
        String boundary = "vit4j-test-boundary";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\""
                            + f.getKey() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.writeBytes(f.getValue());
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return post(path, out.toByteArray(), "multipart/form-data; boundary=" + boundary, null);
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (apiKey != null) {
            r.header("Authorization", "Bearer " + apiKey);
        }
        return r;
    }

    Reply send(HttpRequest.Builder r) {
        try {
            HttpResponse<byte[]> response = client.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(
                    response.statusCode(), response.body(), response.headers().map());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
