package dev.vit4j.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hugging Face Hub on 127.0.0.1 for tests, with the real one's URL paths and headers: {@code /ORG/NAME/resolve/REV/FILE}
 * answers HEAD and GET with {@code X-Repo-Commit}, an ETag ({@code X-Linked-Etag} = SHA-256 and a 302 to a CDN-like
 * {@code /cdn/SHA} for LFS files; git's blob SHA-1 and the content for small files), {@code X-Error-Code} on 404, 401
 * for private repositories without the token; the CDN honours Range. Faults on demand: cut the next downloads midway,
 * corrupt the next one, fail with 503.
 */
public final class LoopbackHub implements AutoCloseable {
    private record Repo(String commit, boolean isPrivate, Map<String, byte[]> files) {}

    private final HttpServer server;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    public final AtomicInteger cutNext = new AtomicInteger();
    public final AtomicInteger corruptNext = new AtomicInteger();
    public final AtomicInteger unavailableNext = new AtomicInteger();
    public volatile long cdnDelayMillis;
    public volatile String token = "hf_secret";

    public LoopbackHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Adds (or replaces) a repository; files ending in .safetensors, .bin, .pth or .npz are LFS files. */
    public String addRepo(String id, boolean isPrivate, Map<String, byte[]> files) {
        String commit = hex(sha("SHA-1", (id + files.keySet() + System.nanoTime()).getBytes(StandardCharsets.UTF_8)));
        repos.put(id, new Repo(commit, isPrivate, new LinkedHashMap<>(files)));
        files.values().forEach(b -> blobs.put(hex(sha("SHA-256", b)), b));
        return commit;
    }

    /** "METHOD path [Range]" for every request, in order. */
    public List<String> log() {
        synchronized (log) {
            return new ArrayList<>(log);
        }
    }

    private static boolean isLfs(String file) {
        return file.matches(".*\\.(safetensors|bin|pth|npz)");
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
        try (ex) {
            if (unavailableNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(ex, 503, null);
            } else if (path.startsWith("/cdn/")) {
                cdn(ex, path.substring(5), range);
            } else {
                resolve(ex, path);
            }
        }
    }

    private void resolve(HttpExchange ex, String path) throws IOException {
        String[] p = path.substring(1).split("/", 5);
        if (p.length < 5 || !p[2].equals("resolve")) {
            send(ex, 404, null);
            return;
        }
        Repo repo = repos.get(p[0] + "/" + p[1]);
        if (repo == null) {
            ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
            send(ex, 404, null);
            return;
        }
        if (repo.isPrivate && !("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, null);
            return;
        }
        if (!p[3].equals("main") && !p[3].equals(repo.commit)) {
            ex.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
            send(ex, 404, null);
            return;
        }
        byte[] content = repo.files.get(p[4]);
        ex.getResponseHeaders().add("X-Repo-Commit", repo.commit);
        if (content == null) {
            ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
            send(ex, 404, null);
            return;
        }
        if (isLfs(p[4])) {
            String sha = hex(sha("SHA-256", content));
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            ex.getResponseHeaders().add("X-Linked-Size", Long.toString(content.length));
            ex.getResponseHeaders().add("ETag", "\"" + hex(sha("SHA-1", content)) + "\"");
            ex.getResponseHeaders().add("Location", url() + "/cdn/" + sha);
            send(ex, 302, null);
            return;
        }
        MessageDigest git = md("SHA-1");
        git.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
        ex.getResponseHeaders().add("ETag", "\"" + hex(git.digest(content)) + "\"");
        send(ex, 200, ex.getRequestMethod().equals("HEAD") ? new byte[0] : content, content.length);
    }

    private void cdn(HttpExchange ex, String sha, String range) throws IOException {
        byte[] content = blobs.get(sha);
        if (content == null) {
            send(ex, 404, null);
            return;
        }
        if (cdnDelayMillis > 0) {
            try {
                Thread.sleep(cdnDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int start = 0;
        if (range != null && range.startsWith("bytes=")) {
            start = Integer.parseInt(range.substring(6, range.indexOf('-')));
            if (start >= content.length) {
                send(ex, 416, null);
                return;
            }
            ex.getResponseHeaders()
                    .add("Content-Range", "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
        }
        byte[] body = java.util.Arrays.copyOfRange(content, start, content.length);
        if (corruptNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            body[body.length / 2] ^= 0x5a;
        }
        int status = range != null ? 206 : 200;
        if (cutNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            // Promise the whole body, send half, close: what a dropped connection looks like to the client.
            ex.sendResponseHeaders(status, body.length);
            OutputStream out = ex.getResponseBody();
            out.write(body, 0, body.length / 2);
            out.flush();
            ex.close();
            return;
        }
        send(ex, status, body, body.length);
    }

    private static void send(HttpExchange ex, int status, Void noBody) throws IOException {
        ex.sendResponseHeaders(status, -1);
    }

    private static void send(HttpExchange ex, int status, byte[] body, long length) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Long.toString(length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        ex.getResponseBody().write(body);
    }

    public static MessageDigest md(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] sha(String algorithm, byte[] data) {
        return md(algorithm).digest(data);
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
