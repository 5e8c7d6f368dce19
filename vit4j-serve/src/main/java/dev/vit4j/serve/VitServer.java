package dev.vit4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.hub.HubClient;
import dev.vit4j.hub.HubModels;
import dev.vit4j.hub.HubSettings;
import dev.vit4j.image.ImageTooLargeException;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.Prediction;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.serve.Uploads.Upload;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final int MAX_K = 1000;
    private static final String CLIENT_GONE = Replies.CLIENT_GONE;
    /** Set on model requests, which close() waits for. */
    private static final String COUNTED = "vit4j.inFlight";
    /** The model a request entered, exited when it ends. */
    private static final String USING = "vit4j.using";

    private static final int CLIENT_CLOSED_REQUEST = Replies.CLIENT_CLOSED_REQUEST;

    private final ServeOptions options;
    private final ServerMetrics metrics = new ServerMetrics();
    private final ObjectMapper json = Replies.JSON;
    private final ModelRepository repository;
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
    private volatile boolean stopping;

    private VitServer(Map<String, Supplier<LoadedModel>> sources, ServeOptions options, ModelSources resolver) {
        this.options = options;
        this.uploads = new Uploads(options);
        this.repository = new ModelRepository(options, metrics, preparers);
        sources.forEach(repository::declare);
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = options.maxBodyBytes();
            // A client that sent its headers and no body yet holds no thread (bodies are read asynchronously: Uploads).
            config.jetty.modifyHttpConfiguration(http -> http.setDelayDispatchUntilContent(true));
            config.jetty.clientAbortStatus = CLIENT_CLOSED_REQUEST;
            JettyErrors jettyErrors = new JettyErrors(metrics);
            config.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
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
        app.after(ctx -> {
            ServedModel using = ctx.attribute(USING);
            if (using != null) {
                using.exit();
            }
            if (ctx.attribute(COUNTED) != null) {
                inFlight.decrementAndGet();
            }
        });
        app.get("/health/live", ctx -> Replies.json(ctx, Map.of("status", "live")));
        app.get("/health/ready", this::ready);
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape()));
        app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(resource("openapi.json")));
        app.get("/v1/models", ctx -> Replies.json(ctx, describeModels()));
        app.post("/v1/models/{name}/predict", this::predict);
        app.post("/v1/models/{name}/embed", this::embed);
        app.post("/v1/models/{name}/attention", this::attention);
        new OpenInferenceRoutes(new RoutesAccess(), repository, options, parameters -> source(resolver, parameters))
                .register(app);
        app.exception(HttpResponseException.class, this::fail); // else Javalin answers these in plain text
        app.exception(Exception.class, this::fail);
        try {
            app.start(options.host(), options.port());
        } catch (io.javalin.util.JavalinBindException e) {
            throw new Vit4jException(
                    "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
        }
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
        if (models.isEmpty()) {
            throw Vit4jException.naming("serve: give at least one model ({models})");
        }
        return new VitServer(new LinkedHashMap<>(models), options, sources);
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
                repository.failed(e.getKey(), failure);
                loaded.completeExceptionally(failure);
                return;
            }
        }
        loaded.complete(null);
    }

    /** What {@link OpenInferenceRoutes} uses of the server. */
    private final class RoutesAccess implements OpenInferenceRoutes.Server {
        @Override
        public boolean isReady() {
            return VitServer.this.isReady();
        }

        @Override
        public void withBody(Context ctx, long deadlineNanos, OpenInferenceRoutes.BodyHandler handler) {
            VitServer.this.withBody(ctx, deadlineNanos, handler);
        }

        @Override
        public ServedModel use(Context ctx, String name) {
            return VitServer.this.use(ctx, name);
        }

        @Override
        public void requireModelControl(Context ctx) {
            if (!options.modelControl()) {
                throw new HttpResponseException(
                        403, "model control is off: start the server with it on (vit4j serve --model-control)");
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
        if (path.startsWith("/v1/models/") || path.startsWith("/v2/models/")) {
            if (stopping) {
                throw new QueueFullException("the server is shutting down");
            }
            inFlight.incrementAndGet();
            ctx.attribute(COUNTED, true);
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

    private ServedModel model(Context ctx) {
        return use(ctx, ctx.pathParam("name"));
    }

    /** The model for this request, entered until the request ends (an unload waits for it). */
    private ServedModel use(Context ctx, String name) {
        ServedModel m = repository.use(name);
        ctx.attribute(USING, m);
        return m;
    }

    /** What a route does with a request's images once its body has arrived. */
    private interface ImagesHandler {
        void handle(List<Upload> images, long deadline) throws Exception;
    }

    /**
     * Reads the body without a thread waiting on it ({@link Uploads#body}), then answers on a responder thread, where
     * waiting for the batcher is bounded by the deadline. A client gone mid-upload is a 499.
     */
    private void withImages(Context ctx, ImagesHandler handler) {
        long deadline = Uploads.deadline(options);
        withBody(ctx, deadline, body -> handler.handle(uploads.images(ctx.req().getContentType(), body), deadline));
    }

    private void withBody(Context ctx, long deadline, OpenInferenceRoutes.BodyHandler handler) {
        ctx.future(() -> uploads.body(ctx.req(), deadline)
                .thenAcceptAsync(
                        body -> {
                            try {
                                handler.handle(body);
                            } catch (RuntimeException e) {
                                throw e;
                            } catch (Exception e) {
                                throw new CompletionException(e);
                            }
                        },
                        responders));
    }

    /**
     * Query parameters, always as UTF-8 (RFC 3986): Jetty decodes the query string in the body's charset and drops the
     * whole query when that charset is unknown ({@code Content-Type: …; charset=bogus} made {@code k} vanish).
     */
    private static List<String> queryParams(Context ctx, String name) {
        List<String> values = new ArrayList<>();
        String query = ctx.req().getQueryString();
        if (query == null) {
            return values;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            try {
                if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
                    values.add(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            } catch (IllegalArgumentException e) {
                throw new Vit4jException("malformed query string: " + e.getMessage());
            }
        }
        return values;
    }

    private int k(Context ctx) {
        List<String> ks = queryParams(ctx, "k");
        String k = ks.isEmpty() ? null : ks.get(0);
        try {
            int v = k == null ? 5 : Integer.parseInt(k);
            if (v >= 1 && v <= MAX_K) {
                return v;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new Vit4jException("k must be a whole number from 1 to " + MAX_K + ", not '" + k + "'");
    }

    private void predict(Context ctx) throws Exception {
        ServedModel m = model(ctx);
        int k = k(ctx);
        run(ctx, m, false, (upload, r) -> {
            ObjectNode o = json.createObjectNode().put("image", upload.name());
            ArrayNode preds = o.putArray("predictions");
            for (Prediction p : m.topK(r.logits(), k)) {
                preds.addObject()
                        .put("index", p.index())
                        .put("label", p.label())
                        .put("probability", p.probability())
                        .put("logit", p.logit());
            }
            return o;
        });
    }

    private void embed(Context ctx) throws Exception {
        ServedModel m = model(ctx);
        Embedding embedding = embedding(ctx);
        run(ctx, m, false, (upload, r) -> {
            ObjectNode o = json.createObjectNode().put("image", upload.name());
            ArrayNode v = o.putArray("embedding");
            for (float f : embedding.of(r.logits(), r.preLogits())) {
                v.add(f);
            }
            return o;
        });
    }

    /** {@code ?output=pre-logits|head} (default pre-logits) and {@code ?normalize=true|false} (default false). */
    private static Embedding embedding(Context ctx) {
        List<String> outputs = queryParams(ctx, "output");
        List<String> normalize = queryParams(ctx, "normalize");
        if (outputs.size() > 1 || normalize.size() > 1) {
            throw new Vit4jException("give output and normalize at most once each");
        }
        String n = normalize.isEmpty() ? "false" : normalize.get(0);
        if (!n.equals("true") && !n.equals("false")) {
            throw new Vit4jException("normalize must be true or false, not '" + n + "'");
        }
        return new Embedding(
                outputs.isEmpty() ? Embedding.Output.PRE_LOGITS : parseOutput(outputs.get(0)), n.equals("true"));
    }

    private static Embedding.Output parseOutput(String value) {
        try {
            return Embedding.Output.parse(value);
        } catch (Vit4jException e) {
            throw new Vit4jException("output must be pre-logits or head, not '" + value + "'");
        }
    }

    private void attention(Context ctx) throws Exception {
        ServedModel m = model(ctx);
        int k = k(ctx);
        List<String> blocks = queryParams(ctx, "block");
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains("image/png") && !accept.contains("application/json")) {
            withImages(ctx, (images, deadline) -> {
                if (images.size() != 1) {
                    throw new Vit4jException("image/png answers one image; send one, or ask for JSON");
                }
                ServedModel.Result r = m.await(m.submit(images.get(0).bytes(), true, deadline));
                Replies.write(ctx, "image/png", AttentionView.overlayPng(m, r, blocks));
            });
            return;
        }
        run(ctx, m, true, (upload, r) -> json.valueToTree(AttentionView.of(m, r, blocks, k)));
    }

    private interface Answer {
        ObjectNode of(Upload upload, ServedModel.Result result);
    }

    /**
     * One image: its answer, or its error with the status that fits. Several (multipart): every image is queued first,
     * so they can share batches, then an array with each image's answer or {@code {"image", "error"}}.
     */
    private void run(Context ctx, ServedModel m, boolean attention, Answer answer) {
        withImages(ctx, (images, deadline) -> answer(ctx, m, attention, answer, images, deadline));
    }

    private void answer(
            Context ctx, ServedModel m, boolean attention, Answer answer, List<Upload> images, long deadline)
            throws TimeoutException {
        if (!Uploads.isMultipart(ctx.req().getContentType())) {
            Replies.json(
                    ctx, answer.of(images.get(0), m.await(m.submit(images.get(0).bytes(), attention, deadline))));
            return;
        }
        List<ServedModel.Pending> pending =
                ServedModel.submitAll(images.size(), i -> m.submit(images.get(i).bytes(), attention, deadline));
        ArrayNode out = json.createArrayNode();
        for (int i = 0; i < images.size(); i++) {
            try {
                out.add(answer.of(images.get(i), m.await(pending.get(i))));
            } catch (Vit4jException e) {
                out.addObject().put("image", images.get(i).name()).put("error", e.getMessage());
            }
        }
        Replies.json(ctx, out);
    }

    private Object describeModels() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : repository.names()) {
            ServedModel m = repository.loaded(name);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", name);
            o.put("ready", m != null && isReady());
            if (m != null) {
                ModelConfig c = m.config();
                o.put("architecture", c.name);
                o.put("family", c.arch);
                o.put("engine", m.engineType().id());
                o.put("numClasses", c.numClasses);
                o.put("embeddingSize", c.embedDim);
                o.put("grid", new int[] {c.gridHeight(), c.gridWidth()});
                o.put("attentionBlocks", c.attentionLayout().defaultBlocks());
                o.put("rollout", c.attentionLayout().rollout());
                o.put("dataConfig", m.dataConfig());
            }
            out.add(o);
        }
        return Map.of("models", out);
    }

    private void fail(Exception e, Context ctx) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        int status;
        if (t instanceof HttpResponseException h) {
            status = h.getStatus();
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
     * Graceful stop: new requests get 503, everything queued is run and answered, then the listener closes and the
     * models are freed.
     */
    @Override
    public void close() {
        stopping = true;
        repository.close();
        ServedModel.awaitZero(inFlight, TimeUnit.SECONDS.toNanos(10));
        app.stop();
        preparers.shutdown();
        responders.shutdown();
        metrics.close();
    }
}
