package dev.vit4j.serve;

import dev.vit4j.Vit4jException;
import dev.vit4j.hub.HubClient;
import dev.vit4j.hub.HubModels;
import dev.vit4j.hub.HubSettings;
import dev.vit4j.image.ImageTooLargeException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.memory.MemoryBudgetException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * vit4j's HTTP service (Javalin on Jetty). Routes: {@code POST /v1/models/{name}/predict|embed|attention},
 * {@code GET /v1/models}, {@code /health/live}, {@code /health/ready}, {@code /metrics} (Prometheus),
 * {@code /openapi.json}, the attention explorer page at {@code /}, and the Open Inference Protocol's {@code /v2}
 * routes ({@link OpenInferenceRoutes}), with its model repository extension when model control is on. The server
 * listens at once and loads and warms its models in the background: ready when all are. Errors are one-line JSON
 * objects {@code {"error": "..."}}.
 */
public final class VitServer implements AutoCloseable {
    /** Where a model named at run time (a load request's parameters) is loaded from. */
    @FunctionalInterface
    public interface ModelSources {
        /** {@code model} as {@code vit4j serve -m} takes it; {@code weights} for an architecture, else null. */
        Supplier<LoadedModel> source(String model, Path weights);

        /** Hub names through a Hub client configured from the environment; files and directories as they are. */
        static ModelSources standard() {
            return (model, weights) -> weights != null
                    ? () -> LoadedModel.load(model, weights)
                    : () -> HubModels.open(model, new HubClient(HubSettings.fromEnvironment()));
        }
    }

    private static final String EXPLORER = "/dev/vit4j/serve/explorer";
    private static final String CLIENT_GONE = Replies.CLIENT_GONE;
    /** Set on model requests, which close() waits for. */
    private static final String COUNTED = "vit4j.inFlight";
    /** The model a request entered, exited when it ends. */
    private static final String USING = "vit4j.using";
    /** Set once a request's end was dealt with ({@link #finish}). */
    private static final String FINISHED = "vit4j.finished";
    /** The request's {@link RequestBudget}, released when it ends. */
    private static final String BUDGET = "vit4j.budget";

    private static final int CLIENT_CLOSED_REQUEST = Replies.CLIENT_CLOSED_REQUEST;
    /** How long a stop waits for connections to deliver requests already on their way (and a new one's first). */
    private static final long STOP_GRACE_MILLIS = 2_000;

    private static final long FRESH_CONNECTION_MILLIS = 300;
    private static final long QUIET_MILLIS = 200;
    /** A load's uninterruptible end (ONNX Runtime building a session): seconds for the largest models. */
    private static final long LOAD_END_MILLIS = 60_000;

    private final ServeOptions options;
    private final ServerMetrics metrics = new ServerMetrics();
    private final ServerHealth health = new ServerHealth();
    private final ModelRepository repository;
    private final Connections connections;
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Decodes and preprocesses uploads for every model's batcher: one thread per core, as the engine's pool. */
    private final ExecutorService preparers =
            Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
                Thread t = new Thread(r, "vit4j-prepare");
                t.setDaemon(true);
                return t;
            });

    private final Uploads uploads;
    /**
     * Answers requests whose bodies have arrived: queues their images and waits for them, each wait bounded by its
     * request's deadline, and the number of waiters by the models' queues (a full queue answers 503 at once).
     */
    private final ExecutorService responders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "vit4j-respond");
        t.setDaemon(true);
        return t;
    });

    private final Javalin app;
    private final IndexRoutes indexRoutes;
    private volatile boolean stopping;
    private final AtomicBoolean closed = new AtomicBoolean();

    private VitServer(
            Map<String, Supplier<LoadedModel>> sources,
            ServeOptions options,
            ModelSources resolver,
            ServedModel.Runs runs) {
        this.options = options;
        this.uploads = new Uploads(options);
        this.connections = new Connections(options.headerTimeoutMillis());
        this.repository = new ModelRepository(options, metrics, preparers, health, runs);
        sources.forEach(repository::declare);
        health.failure().thenRun(() -> stopping = true);
        org.eclipse.jetty.server.Server[] jetty = new org.eclipse.jetty.server.Server[1];
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = options.maxBodyBytes();
            // A client that sent its headers and no body yet holds no thread (bodies are read asynchronously: Uploads).
            config.jetty.modifyHttpConfiguration(http -> http.setDelayDispatchUntilContent(true));
            config.jetty.clientAbortStatus = CLIENT_CLOSED_REQUEST;
            JettyErrors jettyErrors = new JettyErrors(metrics);
            config.jetty.modifyServer(server -> {
                server.setErrorHandler(jettyErrors);
                jetty[0] = server;
            });
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(jettyErrors));
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = EXPLORER;
                files.location = Location.CLASSPATH;
            });
            config.requestLogger.http((ctx, ms) -> metrics.request(
                    route(ctx),
                    ctx.method().name(),
                    ctx.attribute(CLIENT_GONE) != null ? CLIENT_CLOSED_REQUEST : ctx.statusCode(),
                    (long) (ms * 1e6)));
        });
        app.before(this::admit);
        app.after(this::finish);
        app.get("/health/live", ctx -> {
            if (health.broken()) {
                Replies.error(ctx, 503, "out of memory: " + health.cause().getMessage());
            } else {
                Replies.json(ctx, Map.of("status", "live"));
            }
        });
        app.get("/health/ready", this::ready);
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape()));
        app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(resource("openapi.json")));
        RoutesAccess access = new RoutesAccess();
        new V1Routes(access, repository, options).register(app);
        indexRoutes = new IndexRoutes(access, options);
        indexRoutes.register(app);
        new OpenInferenceRoutes(access, repository, options, parameters -> source(resolver, parameters)).register(app);
        app.exception(HttpResponseException.class, this::fail); // else Javalin answers these in plain text
        app.exception(Exception.class, this::fail);
        try {
            app.start(options.host(), options.port());
        } catch (io.javalin.util.JavalinBindException e) {
            connections.close();
            throw new Vit4jException(
                    "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
        }
        connections.watch(jetty[0]); // its connectors exist once it has started
        Thread loader = new Thread(() -> load(sources), "vit4j-model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    /** Starts listening now; the models load and warm in the background ({@link #awaitReady}). */
    public static VitServer start(Map<String, Supplier<LoadedModel>> models, ServeOptions options) {
        return start(models, options, ModelSources.standard());
    }

    /** As {@link #start(Map, ServeOptions)}, with where models named in load requests come from. */
    public static VitServer start(
            Map<String, Supplier<LoadedModel>> models, ServeOptions options, ModelSources sources) {
        return start(models, options, sources, ServedModel.Runs.PIPELINE);
    }

    /** As above, with how batches are run (a test forcing a failure). */
    static VitServer start(
            Map<String, Supplier<LoadedModel>> models,
            ServeOptions options,
            ModelSources sources,
            ServedModel.Runs runs) {
        if (models.isEmpty()) {
            throw new Vit4jException("serve: give at least one model");
        }
        return new VitServer(new LinkedHashMap<>(models), options, sources, runs);
    }

    /**
     * Serves the vector index in {@code dir} under {@code name} at {@code /v1/indexes/NAME}, embedding its queries and
     * images with the loaded model {@code model}; the index is refused (with one line) when another model made it.
     */
    public void openIndex(String name, Path dir, String model) {
        ServedModel m = repository.loaded(model);
        if (m == null) {
            throw new Vit4jException("index " + name + ": its model " + model + " is not loaded");
        }
        indexRoutes.open(name, dir, m);
    }

    /**
     * The error that broke the server ({@link OutOfMemoryError} or another {@link VirtualMachineError}), once one has:
     * it then answers every request 503 and runs no more batches; its owner should {@link #close} it and end the
     * process with a failure status, so that a supervisor starts a fresh one.
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(health.cause());
    }

    /** A load request's parameters: {@code model} (required) and {@code weights}. */
    private static Supplier<LoadedModel> source(ModelSources resolver, Map<String, String> parameters) {
        for (String key : parameters.keySet()) {
            if (!key.equals("model") && !key.equals("weights")) {
                throw new Vit4jException("unknown load parameter '" + key + "' (model, weights)");
            }
        }
        String model = parameters.get("model");
        if (model == null || model.isBlank()) {
            throw new Vit4jException("parameters.model is missing: a Hub name, a model directory, or an architecture"
                    + " with parameters.weights");
        }
        String weights = parameters.get("weights");
        try {
            return resolver.source(model, weights == null ? null : Path.of(weights));
        } catch (InvalidPathException e) {
            throw new Vit4jException("parameters.weights is not a path: " + e.getMessage());
        }
    }

    public int port() {
        return app.port();
    }

    /** Waits until every model is loaded and warmed; rethrows the first loading failure. */
    public void awaitReady() {
        boolean ready;
        do {
            ready = awaitReady(60_000);
        } while (!ready);
    }

    /** True once every model is loaded and warmed, false if still loading after {@code millis}; rethrows a failure. */
    public boolean awaitReady(long millis) {
        try {
            loaded.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading models", e);
        }
    }

    public boolean isReady() {
        return loaded.isDone() && !loaded.isCompletedExceptionally() && !stopping;
    }

    private void load(Map<String, Supplier<LoadedModel>> sources) {
        for (Map.Entry<String, Supplier<LoadedModel>> e : sources.entrySet()) {
            try {
                repository.load(e.getKey(), e.getValue());
            } catch (RuntimeException | Error failure) {
                if (failure instanceof VirtualMachineError fatal) {
                    health.fatal(fatal);
                }
                repository.failed(e.getKey(), failure);
                loaded.completeExceptionally(failure);
                return;
            }
        }
        loaded.complete(null);
    }

    /** What the routes use of the server. */
    private final class RoutesAccess implements ServerAccess {
        @Override
        public boolean isReady() {
            return VitServer.this.isReady();
        }

        @Override
        public void withBody(Context ctx, long deadlineNanos, ServerAccess.BodyHandler handler) {
            VitServer.this.withBody(ctx, deadlineNanos, handler);
        }

        @Override
        public ServedModel use(Context ctx, String name) {
            return VitServer.this.use(ctx, name);
        }

        @Override
        public void requireModelControl(Context ctx) {
            if (!options.modelControl()) {
                throw new HttpResponseException(403, "model control is off: the server was started without it");
            }
            if (options.apiKey() == null && !isLoopback(ctx.req().getRemoteAddr())) {
                throw new HttpResponseException(
                        403, "model control is open to local clients only, or to any client with the API key");
            }
        }
    }

    private static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress(); // a literal address: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private void admit(Context ctx) {
        ctx.attribute(FINISHED, new AtomicBoolean());
        String path = ctx.path();
        boolean api = path.startsWith("/v1/")
                || path.equals("/v2")
                || path.startsWith("/v2/") && !path.startsWith("/v2/health/")
                || path.equals("/metrics")
                || path.equals("/openapi.json");
        if (api && options.apiKey() != null && !("Bearer " + options.apiKey()).equals(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new HttpResponseException(401, "missing or wrong API key (Authorization: Bearer KEY)");
        }
        // While stopping, every answer closes its connection: a client does not send its next request on a
        // connection that is about to close.
        ctx.attribute(Replies.CLOSING, (BooleanSupplier) () -> stopping);
        if (path.startsWith("/v1/") || path.startsWith("/v2/")) {
            if (health.broken()) {
                throw health.refusal();
            }
            if (stopping && !path.startsWith("/v2/health/")) {
                throw new QueueFullException("the server is shutting down");
            }
            if (path.startsWith("/v1/models/") || path.startsWith("/v2/models/")) {
                inFlight.incrementAndGet();
                ctx.attribute(COUNTED, true);
            }
        }
    }

    private void ready(Context ctx) {
        if (isReady()) {
            Replies.json(ctx, Map.of("status", "ready", "models", repository.names()));
        } else if (loaded.isCompletedExceptionally()) {
            Replies.error(
                    ctx,
                    503,
                    "a model failed to load: "
                            + loaded.handle((v, e) -> e.getCause() == null ? e : e.getCause())
                                    .join()
                                    .getMessage());
        } else {
            long ready = repository.index().stream()
                    .filter(e -> e.state() == ModelRepository.State.READY)
                    .count();
            Replies.error(
                    ctx,
                    503,
                    stopping
                            ? "shutting down"
                            : "loading models: " + ready + " of "
                                    + repository.names().size());
        }
    }

    /** The model for this request, entered until the request ends (an unload waits for it). */
    private ServedModel use(Context ctx, String name) {
        ServedModel m = repository.use(name);
        ctx.attribute(USING, m);
        return m;
    }

    /**
     * Reads the body without a thread waiting on it ({@link Uploads#body}), within the request's {@link RequestBudget},
     * then answers on a responder thread, where waiting for the batcher is bounded by the deadline. A client gone
     * mid-upload is a 499.
     */
    private void withBody(Context ctx, long deadline, ServerAccess.BodyHandler handler) {
        RequestBudget budget = new RequestBudget(MemoryBudget.heap(), options);
        ctx.attribute(BUDGET, budget);
        ctx.future(() -> uploads.body(ctx.req(), deadline, budget)
                .thenAcceptAsync(
                        body -> {
                            try {
                                handler.handle(body, budget);
                            } catch (RuntimeException e) {
                                throw e;
                            } catch (Exception e) {
                                throw new CompletionException(e);
                            }
                        },
                        responders)
                // Javalin skips the after-handlers of a request whose future failed: its model, budget and count
                // are given back here (an unload waited, and a stop, for requests that had long ended)
                .whenComplete((done, failed) -> finish(ctx)));
    }

    /** A request's end: the model it entered, its budget and its place among those in flight given back, once. */
    private void finish(Context ctx) {
        AtomicBoolean finished = ctx.attribute(FINISHED);
        if (finished == null || !finished.compareAndSet(false, true)) {
            return; // the after-handler and the future's end may both come, on two threads
        }
        ServedModel using = ctx.attribute(USING);
        if (using != null) {
            using.exit();
        }
        RequestBudget budget = ctx.attribute(BUDGET);
        if (budget != null) {
            budget.close();
        }
        if (ctx.attribute(COUNTED) != null) {
            inFlight.decrementAndGet();
        }
    }

    private void fail(Exception e, Context ctx) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        int status;
        if (t instanceof VirtualMachineError fatal) {
            health.fatal(fatal);
            t = health.refusal();
        }
        if (t instanceof HttpResponseException h) {
            status = h.getStatus();
        } else if (t instanceof MemoryBudgetException m) {
            // Memory other work holds now is a busy server (retry); memory the server does not have, too large.
            status = m.couldFitLater() ? 503 : 413;
            if (status == 503) {
                ctx.header("Retry-After", "1");
            }
        } else if (t instanceof ImageTooLargeException) {
            status = 413;
        } else if (t instanceof Vit4jException) {
            status = 400;
        } else if (t instanceof QueueFullException) {
            status = 503;
            ctx.header("Retry-After", "1");
        } else if (t instanceof TimeoutException) {
            status = 504;
        } else if (t instanceof IOException) {
            status = CLIENT_CLOSED_REQUEST; // the upload broke off: the client is gone
            ctx.attribute(CLIENT_GONE, true);
        } else {
            status = 500;
        }
        Replies.error(ctx, status, status == 500 ? "internal error: " + t : t.getMessage());
    }

    private static String route(Context ctx) {
        try {
            String p = ctx.endpointHandlerPath();
            return p == null || p.isEmpty() || p.equals("*") ? "other" : p;
        } catch (RuntimeException e) {
            return "other";
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = VitServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /**
     * Graceful stop, bounded in time: new requests get 503 (their connections closed after the answer) and loads under
     * way are stopped (a Hub download is aborted); the requests already admitted are answered (within their deadline);
     * then the listener closes (once no connection has opened for {@value #QUIET_MILLIS} ms, or {@value #STOP_GRACE_MILLIS} ms
     * passed), and the connections it accepted are given {@value #STOP_GRACE_MILLIS} ms more to deliver a
     * request already on its way, which is answered 503, before they are closed; then the models are freed. At most
     * the request deadline ({@code timeoutMillis}) plus about four seconds in all, and the end of an ONNX Runtime
     * session being built when the stop came (which cannot be interrupted).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        repository.stopLoading();
        ServedModel.awaitZero(inFlight, TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis() + 1_000));
        repository.awaitLoads(LOAD_END_MILLIS);
        // The listener closes in a quiet moment if one comes: closing it resets connections the kernel has accepted
        // and Jetty not yet, whose requests would be lost.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MILLIS);
        while (connections.sinceLastOpened() < TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS)
                && System.nanoTime() < until) {
            sleep(10);
        }
        connections.stopAccepting();
        until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MILLIS);
        while (connections.busy(FRESH_CONNECTION_MILLIS) && System.nanoTime() < until) {
            sleep(10);
        }
        app.stop();
        indexRoutes.close();
        repository.close();
        connections.close();
        preparers.shutdown();
        responders.shutdown();
        metrics.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
