package dev.vit4j.serve;

import dev.vit4j.Vit4jException;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.MultiPartFormInputStream;

/**
 * A request's images: the raw body as one, or each file of a multipart form. The whole body is read first, bounded in
 * bytes ({@code maxBodyBytes}) and in time (the request's deadline), without a thread waiting on it, so clients that
 * trickle their uploads hold no server thread (300 of them took every thread when bodies were read blocking), and
 * only then parsed: a form's parts are counted against {@code maxImages} before
 * anything of it is run, and a malformed form is the client's 400, told apart from a client that left (499).
 */
final class Uploads {
    /** Form fields besides the files that a form may carry. */
    private static final int OTHER_FIELDS = 16;

    private static final File NO_SPOOLING = new File(System.getProperty("java.io.tmpdir"));

    record Upload(String name, byte[] bytes) {}

    private final ServeOptions options;

    Uploads(ServeOptions options) {
        this.options = options;
    }

    /**
     * The whole body, read as it arrives (servlet async IO: a slow client holds no thread while it trickles), at most
     * {@code maxBodyBytes}, by the deadline (else 408). Completes with an {@link UncheckedIOException} when the client
     * broke the upload off (it is gone: a 499; Javalin would count Jetty's own EofException as a 500).
     *
     * <p>Not Jetty's minimum request data rate: it measures from the first byte to the moment the server reads, so on a
     * busy server a small body that arrived whole was cut off as "slow" (seen under load, 1 request in 60).
     */
    CompletableFuture<byte[]> body(HttpServletRequest request, long deadlineNanos, RequestBudget budget) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        long declared = request.getContentLengthLong();
        long drainLimit = Math.max(2 * options.maxBodyBytes(), options.maxBodyBytes() + (1 << 20));
        if (declared > drainLimit) {
            done.completeExceptionally(tooLarge(declared));
            return done;
        }
        // The body's bytes are reserved before they are kept (twice: the buffer grows by copying): all of a declared
        // length at once, a chunked body as it comes. One that does not fit is read to its end and dropped, as one
        // over the limit is, and answered 503 (or 413).
        RuntimeException[] refused = new RuntimeException[1];
        try {
            budget.reserve(2 * Math.max(0, Math.min(declared, options.maxBodyBytes())), "the request body");
        } catch (RuntimeException e) {
            refused[0] = e;
        }
        try {
            ServletInputStream in = request.getInputStream();
            in.setReadListener(new ReadListener() {
                private final ByteArrayOutputStream received = new ByteArrayOutputStream();
                private final byte[] chunk = new byte[1 << 16];
                private long read;
                private long reserved = 2 * Math.max(0, Math.min(declared, options.maxBodyBytes()));

                /**
                 * A body over the limit is read to its end (up to {@code drainLimit}) and dropped before the 413: the
                 * server closing a connection with the client's bytes unread made the kernel reset it, and the client
                 * sometimes lost the answer (VitServerTest, about one run in six).
                 */
                @Override
                public void onDataAvailable() throws IOException {
                    while (!done.isDone() && in.isReady()) {
                        int n = in.read(chunk);
                        if (n < 0) {
                            return;
                        }
                        read += n;
                        if (read > drainLimit) {
                            done.completeExceptionally(tooLarge(declared));
                            return;
                        }
                        if (read <= options.maxBodyBytes() && refused[0] == null) {
                            keep(n);
                        }
                    }
                }

                private void keep(int n) {
                    if (2 * read > reserved) {
                        try {
                            budget.reserve(2 * read - reserved + (2 << 20), "the request body");
                            reserved = 2 * read + (2 << 20);
                        } catch (RuntimeException e) {
                            refused[0] = e;
                            received.reset();
                            return;
                        }
                    }
                    received.write(chunk, 0, n);
                }

                @Override
                public void onAllDataRead() {
                    if (read > options.maxBodyBytes()) {
                        done.completeExceptionally(tooLarge(declared));
                    } else if (refused[0] != null) {
                        done.completeExceptionally(refused[0]);
                    } else {
                        done.complete(received.toByteArray());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t instanceof IOException io ? new UncheckedIOException(io) : t);
                }
            });
        } catch (IOException | RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done.orTimeout(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)
                .exceptionallyCompose(t -> CompletableFuture.failedFuture(
                        t instanceof TimeoutException
                                ? new HttpResponseException(
                                        408, "request body not received within " + options.timeoutMillis() + " ms")
                                : t));
    }

    /** The images of a body: itself, or the files of its multipart form (parsed into copies, reserved first). */
    List<Upload> images(String contentType, byte[] body, RequestBudget budget) {
        if (isMultipart(contentType)) {
            budget.reserve(2L * body.length, "parsing the form");
        }
        List<Upload> out = isMultipart(contentType)
                ? files(contentType, body)
                : body.length == 0 ? List.of() : List.of(new Upload("body", body));
        if (out.isEmpty()) {
            throw new Vit4jException("no image: send the image as the request body, or as files of a multipart form");
        }
        return out;
    }

    static boolean isMultipart(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    private List<Upload> files(String contentType, byte[] body) {
        MultipartConfigElement inMemory =
                new MultipartConfigElement(NO_SPOOLING.getPath(), body.length, body.length, body.length + 1);
        MultiPartFormInputStream form = new MultiPartFormInputStream(
                new ByteArrayInputStream(body), contentType, inMemory, NO_SPOOLING, options.maxImages() + OTHER_FIELDS);
        Collection<Part> parts;
        try {
            parts = form.getParts();
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("too many parts")) {
                throw tooManyImages("more than " + options.maxImages());
            }
            throw new Vit4jException("malformed multipart form: " + e.getMessage());
        } catch (IOException e) {
            throw new Vit4jException("malformed multipart form: " + e.getMessage());
        }
        List<Upload> out = new ArrayList<>();
        try {
            for (Part p : parts) {
                if (p.getSubmittedFileName() != null) {
                    try (InputStream in = p.getInputStream()) {
                        out.add(new Upload(p.getSubmittedFileName(), in.readAllBytes()));
                    }
                }
            }
        } catch (IOException e) {
            throw new Vit4jException("malformed multipart form: " + e.getMessage());
        } finally {
            form.deleteParts();
        }
        if (out.size() > options.maxImages()) {
            throw tooManyImages(Integer.toString(out.size()));
        }
        return out;
    }

    private HttpResponseException tooManyImages(String count) {
        return new HttpResponseException(
                413, count + " images in one request; at most " + options.maxImages() + " per request");
    }

    private HttpResponseException tooLarge(long bytes) {
        return new HttpResponseException(
                413,
                "request body " + (bytes >= 0 ? "of " + bytes + " bytes " : "") + "above the limit of "
                        + options.maxBodyBytes() + " bytes");
    }

    static long deadline(ServeOptions options) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis());
    }
}
