package dev.vit4j.hub;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.vit4j.Vit4jException;
import dev.vit4j.io.Hashes;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Downloads files from the Hugging Face Hub into its own cache layout ({@link HubCache}), as
 * {@code huggingface_hub.hf_hub_download} does: a HEAD on {@code ENDPOINT/REPO/resolve/REVISION/FILE} gives the commit
 * ({@code X-Repo-Commit}), the content's ETag ({@code X-Linked-Etag} for LFS files: their SHA-256) and where to fetch
 * it (a redirect to the CDN). Under a lock per blob, the body goes to {@code blobs/ETAG.incomplete}, resumed with an
 * HTTP Range after a cut, checked against the ETag (SHA-256, or the git blob hash of small files), and renamed into
 * place; the snapshot entry is a relative symlink. Network failures are retried with exponential backoff.
 */
public final class HubClient {
    /** Download progress; the CLI draws a bar from it on a terminal. */
    public interface Listener {
        Listener NONE = new Listener() {};

        default void started(String file, long bytes) {}

        default void progress(long bytesDone) {}

        default void finished() {}

        /** An attempt at {@code what} failed for {@code reason}; attempt {@code next} of {@code attempts} follows. */
        default void retrying(String what, String reason, int next, int attempts) {}
    }

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern GIT_SHA1 = Pattern.compile("[0-9a-f]{40}");

    private final HubSettings settings;
    private final HubCache cache;
    /** As huggingface_hub's HTTP session (requests follows up to 30; a loop needs far fewer to show). */
    private static final int MAX_REDIRECTS = 5;
    /** A body whose size neither the Hub nor the server declared is cut off here (real Hub files always declare it). */
    private static final long UNDECLARED_LIMIT = 256L << 20;

    private final HttpClient api;
    private volatile Listener listener = Listener.NONE;

    public HubClient(HubSettings settings) {
        this.settings = settings;
        this.cache = new HubCache(settings.cache());
        this.api = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.metadataTimeout())
                .build();
    }

    public HubClient listener(Listener l) {
        this.listener = l == null ? Listener.NONE : l;
        return this;
    }

    public HubCache cache() {
        return cache;
    }

    public HubSettings settings() {
        return settings;
    }

    /** The file's path in the cache, downloaded first unless it is there; one clear error otherwise. */
    public Path download(RepoRef ref, String file) {
        return downloadIfExists(ref, file)
                .orElseThrow(() -> new Vit4jException("no file " + file + " in " + ref + " on " + settings.endpoint()));
    }

    /** As {@link #download}, but empty when the repository exists and has no such file. */
    public Optional<Path> downloadIfExists(RepoRef ref, String file) {
        if (ref.isCommit()) {
            Optional<Path> pinned = cache.cached(ref, file);
            if (pinned.isPresent()) {
                return pinned;
            }
        }
        if (settings.offline()) {
            Optional<Path> cached = cache.cached(ref, file);
            if (cached.isPresent() || cache.knownMissing(ref, file)) {
                return cached;
            }
            throw new Vit4jException("HF_HUB_OFFLINE is set and " + file + " of " + ref + " is not in the cache "
                    + cache.root() + " (download it once online)");
        }
        Metadata meta;
        try {
            meta = retrying(file + " of " + ref + " from " + settings.endpoint(), () -> head(ref, file));
        } catch (NetworkFailure e) {
            // As huggingface_hub: without the network, a cached copy of the revision still serves.
            Optional<Path> cached = cache.cached(ref, file);
            if (cached.isPresent()) {
                return cached;
            }
            if (e instanceof Unreachable) {
                throw Vit4jException.naming(
                        "cannot reach %s for %s (%s): without a network, HF_HUB_OFFLINE=1 uses the files already in"
                                + " the cache %s; HF_ENDPOINT=URL names a mirror; or give local weights with {weights}",
                        settings.endpoint(), ref, e.getMessage(), cache.root());
            }
            throw new Vit4jException("cannot reach " + settings.endpoint() + " for " + ref + " after "
                    + (settings.retries() + 1) + " attempts: " + e.getMessage());
        }
        try {
            if (meta.etag == null) {
                cache.recordMissing(ref, meta.commit, file);
                return Optional.empty();
            }
            cache.writeRef(ref, meta.commit);
            Path pointer = cache.snapshot(ref, meta.commit, file);
            if (Files.isRegularFile(pointer)) {
                return Optional.of(pointer);
            }
            Path blob = cache.blob(ref, meta.etag);
            if (!Files.isRegularFile(blob)) {
                try (BlobLock lock = BlobLock.acquire(cache.lock(ref, meta.etag))) {
                    if (!Files.isRegularFile(blob)) { // another process may have finished it meanwhile
                        fetch(ref, file, meta, blob);
                    }
                }
            }
            return Optional.of(cache.link(ref, meta.commit, file, meta.etag));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // the machine's fault (a full disk): not the user's input
        }
    }

    private record Metadata(String commit, String etag, URI location, long size) {}

    /** A failure worth another attempt: the connection, a timeout, 429 or 5xx. */
    private static class NetworkFailure extends IOException {
        NetworkFailure(String message) {
            super(message);
        }
    }

    /**
     * A host that does not resolve or refuses the connection: no network, or no server there. Retrying cannot fix it
     * (a stalled connection or a 503 is retried; this is not).
     */
    private static final class Unreachable extends NetworkFailure {
        Unreachable(String message) {
            super(message);
        }
    }

    /** Why the host cannot be reached ("host not found", "connection refused"), or null for a failure worth retrying. */
    private static String unreachable(IOException e) {
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return null; // a stall while connecting: maybe a slow network, worth another attempt
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException
                    || t instanceof java.nio.channels.UnresolvedAddressException) {
                return "host not found";
            }
            if (t instanceof java.net.NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof java.net.ConnectException) {
                return "connection refused";
            }
        }
        return null;
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws IOException;
    }

    private <T> T retrying(String what, Attempt<T> attempt) throws NetworkFailure {
        RetryPolicy<Object> policy = RetryPolicy.builder()
                .handle(IOException.class)
                .abortOn(Unreachable.class)
                .withBackoff(settings.backoff(), settings.backoff().multipliedBy(16))
                .withMaxRetries(settings.retries())
                .onRetry(e -> listener.retrying(
                        what, describe(e.getLastException()), e.getAttemptCount() + 1, settings.retries() + 1))
                .build();
        try {
            return Failsafe.with(policy).get(() -> {
                try {
                    return attempt.run();
                } catch (NetworkFailure e) {
                    throw e;
                } catch (java.io.InterruptedIOException e) {
                    Thread.currentThread().interrupt(); // stopping (a server's shutdown): no more attempts
                    throw new Vit4jException(what + ": interrupted");
                } catch (IOException e) {
                    String why = unreachable(e);
                    throw why != null ? new Unreachable(why) : new NetworkFailure(describe(e));
                }
            });
        } catch (FailsafeException e) {
            Throwable c = e.getCause();
            if (c instanceof NetworkFailure n) {
                throw n;
            }
            throw new NetworkFailure(describe(c));
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    /** HEAD, following relative redirects (renamed repositories) and stopping at an absolute one (the CDN). */
    private Metadata head(RepoRef ref, String file) throws IOException {
        URI url = URI.create(settings.endpoint() + "/" + ref.repoId() + "/resolve/"
                + URLEncoder.encode(ref.revision(), StandardCharsets.UTF_8) + "/" + file);
        for (int hops = 0; hops < 5; hops++) {
            HttpResponse<Void> r = send(
                    api,
                    request(url, true, settings.metadataTimeout())
                            .method("HEAD", HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            int status = r.statusCode();
            String location = r.headers().firstValue("Location").orElse(null);
            if (status >= 300
                    && status < 400
                    && location != null
                    && !URI.create(location).isAbsolute()) {
                url = url.resolve(location);
                continue;
            }
            if (status == 404
                    && "EntryNotFound"
                            .equals(r.headers().firstValue("X-Error-Code").orElse(""))) {
                String commit = r.headers().firstValue("X-Repo-Commit").orElse(null);
                return new Metadata(commit, null, null, -1); // recorded, as huggingface_hub does, for offline use
            }
            refuse(ref, file, status, r.headers().firstValue("X-Error-Code").orElse(""));
            String commit = r.headers()
                    .firstValue("X-Repo-Commit")
                    .orElseThrow(() -> new Vit4jException(settings.endpoint() + " gave no X-Repo-Commit for " + ref
                            + "/" + file + " (not a Hugging Face Hub?)"));
            String etag = r.headers()
                    .firstValue("X-Linked-Etag")
                    .or(() -> r.headers().firstValue("ETag"))
                    .map(HubClient::normalizeEtag)
                    .orElseThrow(
                            () -> new Vit4jException(settings.endpoint() + " gave no ETag for " + ref + "/" + file));
            if (!etag.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}") || !commit.matches("[0-9a-f]{40}")) {
                throw new Vit4jException(
                        settings.endpoint() + " gave a malformed ETag or commit for " + ref + "/" + file);
            }
            long size = r.headers()
                    .firstValue("X-Linked-Size")
                    .or(() -> status < 300 ? r.headers().firstValue("Content-Length") : Optional.empty())
                    .map(Long::parseLong)
                    .orElse(-1L);
            return new Metadata(commit, etag, location != null ? URI.create(location) : url, size);
        }
        throw new Vit4jException(settings.endpoint() + ": too many redirects for " + ref + "/" + file);
    }

    /** One line for what a user must change; 429 and 5xx go back to the retry loop. */
    private void refuse(RepoRef ref, String file, int status, String code) throws NetworkFailure {
        if (status == 429 || status >= 500) {
            throw new NetworkFailure("HTTP " + status);
        }
        if (status == 401 || status == 403) {
            if (code.equals("RepoNotFound")) {
                throw new Vit4jException("no repository " + ref.repoId() + " on " + settings.endpoint()
                        + " (or it is private: set HF_TOKEN)");
            }
            throw new Vit4jException(ref.repoId() + " on " + settings.endpoint() + " is "
                    + (code.equals("GatedRepo")
                            ? "gated: accept its conditions on its Hub page, then set HF_TOKEN"
                            : settings.token() == null
                                    ? "not open to anonymous downloads (HTTP " + status + "): set HF_TOKEN"
                                    : "not allowed with the HF_TOKEN given (HTTP " + status + ")"));
        }
        if (status == 404) {
            throw new Vit4jException(
                    code.equals("RevisionNotFound")
                            ? "no revision '" + ref.revision() + "' in " + ref.repoId()
                            : "no repository " + ref.repoId() + " on " + settings.endpoint());
        }
        if (status >= 400 || status >= 300 && status != 301 && status != 302 && status != 307 && status != 308) {
            throw new Vit4jException(settings.endpoint() + " answered HTTP " + status + " for " + ref + "/" + file);
        }
    }

    /** Into {@code blobs/ETAG.incomplete}, resumed across attempts, checked, then renamed to the blob. */
    private void fetch(RepoRef ref, String file, Metadata meta, Path blob) throws IOException {
        Path incomplete = blob.resolveSibling(blob.getFileName() + ".incomplete");
        Files.createDirectories(blob.getParent());
        listener.started(file, meta.size);
        try {
            retrying("downloading " + file + " of " + ref, () -> {
                getInto(ref, file, meta, incomplete);
                return null;
            });
        } catch (NetworkFailure e) {
            throw new Vit4jException(
                    "downloading " + file + " of " + ref + " failed after " + (settings.retries() + 1) + " attempts: "
                            + e.getMessage() + " (run again to resume from " + Files.size(incomplete) + " bytes)");
        } finally {
            listener.finished();
        }
        long got = Files.size(incomplete);
        if (meta.size >= 0 && got != meta.size) {
            Files.delete(incomplete);
            throw new Vit4jException("downloaded " + file + " of " + ref + " has " + got + " bytes, the Hub says "
                    + meta.size + "; deleted");
        }
        String actual = checksum(incomplete, meta.etag);
        if (actual != null && !actual.equals(meta.etag)) {
            Files.delete(incomplete);
            throw new Vit4jException("checksum mismatch for " + file + " of " + ref + ": expected " + meta.etag
                    + ", got " + actual + "; the download was deleted");
        }
        Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * One attempt: GET (resuming with Range), following at most {@link #MAX_REDIRECTS} redirects without keeping their
     * bodies, writing no byte past the size the Hub declared, and giving up on a body that stalls for the read timeout.
     */
    private void getInto(RepoRef ref, String file, Metadata meta, Path incomplete) throws IOException {
        long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (meta.size >= 0 && have == meta.size) {
            return;
        }
        URI url = meta.location;
        for (int hops = 0; ; hops++) {
            HttpRequest.Builder req =
                    request(url, sameHost(url), settings.readTimeout()).GET();
            if (have > 0) {
                req.header("Range", "bytes=" + have + "-");
            }
            HttpResponse<TimedBody> r = send(
                    api,
                    req.build(),
                    info -> info.statusCode() / 100 == 2
                            ? new TimedBody()
                            : HttpResponse.BodySubscribers.replacing(null));
            int status = r.statusCode();
            if (status / 100 == 3 && r.headers().firstValue("Location").isPresent()) {
                url = redirect(
                        ref,
                        file,
                        meta.location,
                        url,
                        r.headers().firstValue("Location").get(),
                        hops);
                continue;
            }
            if (status / 100 != 2) {
                refuse(ref, file, status, "");
                throw new Vit4jException(settings.endpoint() + " answered HTTP " + status + " for " + ref + "/" + file);
            }
            receive(ref, file, meta, incomplete, have, r);
            return;
        }
    }

    private URI redirect(RepoRef ref, String file, URI first, URI from, String location, int hops) {
        URI to;
        try {
            to = from.resolve(location);
        } catch (IllegalArgumentException e) {
            throw new Vit4jException("downloading " + file + " of " + ref + ": a redirect to a malformed URL");
        }
        if (hops >= MAX_REDIRECTS) {
            throw new Vit4jException("downloading " + file + " of " + ref + ": more than " + MAX_REDIRECTS
                    + " redirects from " + first + " (a redirect loop); nothing was stored");
        }
        if (!"https".equals(to.getScheme()) && !"http".equals(to.getScheme())
                || "https".equals(from.getScheme()) && !"https".equals(to.getScheme())) {
            throw new Vit4jException("downloading " + file + " of " + ref + ": refused a redirect from "
                    + from.getScheme() + " to " + to.getScheme());
        }
        return to;
    }

    /** The body of a 200 (from the start) or a 206 that continues at {@code have}, appended to {@code incomplete}. */
    private void receive(RepoRef ref, String file, Metadata meta, Path incomplete, long have, HttpResponse<TimedBody> r)
            throws IOException {
        TimedBody body = r.body();
        try {
            int status = r.statusCode();
            boolean resumed = status == 206
                    && r.headers().firstValue("Content-Range").orElse("").startsWith("bytes " + have + "-");
            if (status == 206 && !resumed) {
                Files.deleteIfExists(incomplete); // a partial file the server cannot continue: start over
                throw new NetworkFailure("HTTP 206 of another range than byte " + have + " on");
            }
            if (status != 200 && !resumed) {
                throw new Vit4jException(settings.endpoint() + " answered HTTP " + status + " for " + ref + "/" + file);
            }
            long start = resumed ? have : 0;
            long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            long total = meta.size >= 0 ? meta.size : length >= 0 ? start + length : -1;
            if (meta.size >= 0 && length >= 0 && start + length != meta.size) {
                throw oversize(
                        ref,
                        file,
                        incomplete,
                        "the download announces " + (start + length) + " bytes, the Hub declared " + meta.size);
            }
            long limit = total >= 0 ? total : start + UNDECLARED_LIMIT;
            long done = start;
            try (FileChannel out = FileChannel.open(
                    incomplete,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                for (List<ByteBuffer> piece = next(body, done, total); piece != null; piece = next(body, done, total)) {
                    for (ByteBuffer b : piece) {
                        if (done + b.remaining() > limit) {
                            out.close();
                            throw oversize(
                                    ref,
                                    file,
                                    incomplete,
                                    total >= 0
                                            ? "more bytes than the " + total + " declared"
                                            : "no size declared, and more than " + UNDECLARED_LIMIT + " bytes sent");
                        }
                        done += b.remaining();
                        while (b.hasRemaining()) {
                            out.write(b);
                        }
                    }
                    listener.progress(done);
                }
            }
            if (total >= 0 && done < total) {
                throw new NetworkFailure("connection closed after " + done + " of " + total + " bytes");
            }
        } finally {
            body.cancel();
        }
    }

    private List<ByteBuffer> next(TimedBody body, long done, long total) throws IOException {
        try {
            return body.next(settings.readTimeout());
        } catch (SocketTimeoutException e) {
            throw new NetworkFailure(e.getMessage() + " after " + done + (total >= 0 ? " of " + total : "") + " bytes");
        }
    }

    /** Not retried: a server that sends more than it declared is not to be trusted with the disk. */
    private Vit4jException oversize(RepoRef ref, String file, Path incomplete, String what) throws IOException {
        Files.deleteIfExists(incomplete);
        return new Vit4jException("downloading " + file + " of " + ref + " from " + settings.endpoint() + ": " + what
                + "; the download was deleted");
    }

    private boolean sameHost(URI u) {
        URI e = URI.create(settings.endpoint());
        return u.getHost() != null && u.getHost().equalsIgnoreCase(e.getHost()) && u.getPort() == e.getPort();
    }

    /** The token goes to the endpoint only, never to the CDN a redirect names (its URL is signed). */
    private HttpRequest.Builder request(URI url, boolean withToken, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Accept-Encoding", "identity")
                .header("User-Agent", "vit4j");
        if (withToken && settings.token() != null && !settings.token().isBlank()) {
            b.header("Authorization", "Bearer " + settings.token());
        }
        return b;
    }

    private static <T> HttpResponse<T> send(HttpClient client, HttpRequest req, HttpResponse.BodyHandler<T> body)
            throws IOException {
        try {
            return client.send(req, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Vit4jException("interrupted while downloading");
        } catch (IllegalArgumentException e) {
            throw new Vit4jException("bad Hub URL " + req.uri() + ": " + e.getMessage());
        }
    }

    /** huggingface_hub's {@code _normalize_etag}: no weak prefix, no quotes. */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.replace("\"", "");
    }

    /**
     * The file's hash in the ETag's kind: SHA-256 for LFS files, git's blob SHA-1 for files kept in git itself; null
     * when the ETag is neither (a mirror's own), which is then not checked.
     */
    static String checksum(Path file, String etag) throws IOException {
        String algorithm = SHA256.matcher(etag).matches()
                ? "SHA-256"
                : GIT_SHA1.matcher(etag).matches() ? "SHA-1" : null;
        if (algorithm == null) {
            return null;
        }
        byte[] gitBlobHeader = algorithm.equals("SHA-1")
                ? ("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII)
                : new byte[0];
        return Hashes.hex(algorithm, gitBlobHeader, file);
    }
}
