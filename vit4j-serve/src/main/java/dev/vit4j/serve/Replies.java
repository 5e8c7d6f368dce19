package dev.vit4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** How every route answers: JSON bodies, errors as one-line {@code {"error": "..."}}, clients gone counted as 499. */
final class Replies {
    static final ObjectMapper JSON = dev.vit4j.io.Json.mapper();
    static final String CLIENT_GONE = "vit4j.clientGone";
    /** A {@link java.util.function.BooleanSupplier}: true while the server stops (answers then close the connection). */
    static final String CLOSING = "vit4j.closing";

    static final int CLIENT_CLOSED_REQUEST = 499;

    private Replies() {}

    static void json(Context ctx, Object body) {
        try {
            write(ctx, "application/json", JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the answer here rather than through Javalin, which counts a client that left before reading it as a
     * 500 (its clientAbortStatus); here it is recorded as 499, nginx's "client closed request", and costs nothing.
     */
    static void write(Context ctx, String contentType, byte[] body) {
        if (ctx.attribute(CLOSING) instanceof java.util.function.BooleanSupplier closing && closing.getAsBoolean()) {
            ctx.header("Connection", "close");
        }
        ctx.contentType(contentType);
        ctx.res().setContentLength(body.length);
        try {
            ctx.res().getOutputStream().write(body);
            ctx.res().flushBuffer();
        } catch (IOException e) {
            ctx.attribute(CLIENT_GONE, true);
        }
    }

    static void error(Context ctx, int status, String message) {
        ctx.status(status);
        json(ctx, Map.of("error", String.valueOf(message).split("\n", 2)[0]));
    }

    /** A status with no body: the Open Inference Protocol's health and readiness answers. */
    static void empty(Context ctx, int status) {
        ctx.status(status);
        write(ctx, "text/plain", new byte[0]);
    }
}
