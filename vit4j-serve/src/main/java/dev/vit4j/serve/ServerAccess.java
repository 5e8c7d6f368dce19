package dev.vit4j.serve;

import io.javalin.http.Context;

/** What the route classes ({@link V1Routes}, {@link OpenInferenceRoutes}) use of the server. */
interface ServerAccess {
    /** What a route does with a request's body once it has arrived, within the request's budget. */
    @FunctionalInterface
    interface BodyHandler {
        void handle(byte[] body, RequestBudget budget) throws Exception;
    }

    boolean isReady();

    /**
     * Reads a request's body (bounded in bytes, time and memory, without a thread waiting on it), then handles it on a
     * responder thread.
     */
    void withBody(Context ctx, long deadlineNanos, BodyHandler handler);

    /** Opens the model for this request ({@link ServedModel#enter}); closed when the request ends. */
    ServedModel use(Context ctx, String name);

    /** Refuses model control unless it is on, and the client local or holding the API key. */
    void requireModelControl(Context ctx);
}
