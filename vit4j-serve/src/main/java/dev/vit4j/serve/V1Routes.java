package dev.vit4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.serve.Uploads.Upload;
import dev.vit4j.text.Prompts;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * vit4j's own routes: {@code POST /v1/models/{name}/predict|embed|attention|zero-shot} (an image as the body, or
 * several as a multipart form), {@code POST /v1/models/{name}/embed-text} (texts as JSON) and {@code GET /v1/models}. Each request's images go through the model's batcher as the Open
 * Inference Protocol's do ({@link OpenInferenceRoutes}); what a request costs is estimated and reserved before it
 * runs ({@link RequestBudget}).
 */
final class V1Routes {
    private static final int MAX_K = 1000;
    /** A prediction in JSON: index, label (ImageNet-21k's longest names), probability, logit. */
    private static final int PREDICTION_BYTES = 320;
    /** A value of an answer built as a tree of nodes ({@code valueToTree}): the node, its reference, its text. */
    private static final int TREE_BYTES_PER_FLOAT = 48;

    private final ServerAccess server;
    private final ModelRepository repository;
    private final ServeOptions options;
    private final Uploads uploads;
    private final ObjectMapper json = Replies.JSON;

    V1Routes(ServerAccess server, ModelRepository repository, ServeOptions options) {
        this.server = server;
        this.repository = repository;
        this.options = options;
        this.uploads = new Uploads(options);
    }

    void register(Javalin app) {
        app.get("/v1/models", ctx -> Replies.json(ctx, describeModels()));
        app.post("/v1/models/{name}/predict", this::predict);
        app.post("/v1/models/{name}/embed", this::embed);
        app.post("/v1/models/{name}/attention", this::attention);
        app.post("/v1/models/{name}/embed-text", this::embedText);
        app.post("/v1/models/{name}/zero-shot", this::zeroShot);
    }

    /**
     * A two-tower model's text embeddings: {@code {"texts": [...], "normalize": false}} in, {@code {"embeddings":
     * [[...], ...]}} out, one row per text in order (open_clip's encode_text). Texts join the model's text batches; as
     * many as a request may carry images.
     */
    private void embedText(Context ctx) {
        ServedModel m = model(ctx);
        m.requireText();
        long deadline = Uploads.deadline(options);
        server.withBody(ctx, deadline, (body, budget) -> {
            budget.reserve(RequestBudget.JSON_TREE_BYTES_PER_BYTE * body.length, "parsing the request");
            JsonNode root = jsonObject(body);
            JsonNode texts = root.get("texts");
            if (texts == null || !texts.isArray() || texts.isEmpty()) {
                throw new Vit4jException("the body needs \"texts\": an array of one or more strings");
            }
            if (texts.size() > options.maxImages()) {
                throw new HttpResponseException(
                        413, texts.size() + " texts; one request may carry " + options.maxImages());
            }
            List<String> list = new ArrayList<>(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                if (!texts.get(i).isTextual()) {
                    throw new Vit4jException("texts[" + i + "] is not a string");
                }
                list.add(texts.get(i).asText());
            }
            JsonNode normalizeNode = root.path("normalize");
            if (!normalizeNode.isMissingNode() && !normalizeNode.isBoolean()) {
                throw new Vit4jException("\"normalize\" must be true or false");
            }
            boolean normalize = normalizeNode.asBoolean(false);
            int n = list.size();
            long values = (long) n * m.textEmbeddingSize();
            budget.reserve(n * m.bytesPerText(), n + " texts for " + m.name());
            budget.answer(
                    values * RequestBudget.JSON_BYTES_PER_FLOAT,
                    values * TREE_BYTES_PER_FLOAT,
                    "send fewer texts in one request");
            List<float[]> embeddings = m.embedTexts(list, deadline);
            ObjectNode out = json.createObjectNode();
            out.put("model", m.name());
            ArrayNode rows = out.putArray("embeddings");
            for (float[] e : embeddings) {
                ArrayNode row = rows.addArray();
                for (float f : normalize ? ZeroShotClassifier.normalize(e) : e) {
                    row.add(f);
                }
            }
            Replies.json(ctx, out);
        });
    }

    static JsonNode jsonObject(byte[] body) {
        try {
            JsonNode root = Replies.JSON.readTree(body);
            if (root == null || !root.isObject()) {
                throw new Vit4jException("the request body must be a JSON object");
            }
            return root;
        } catch (java.io.IOException e) {
            throw new Vit4jException("the request body is not JSON: "
                    + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /**
     * Zero-shot classification of the request's images (a body or a multipart form, as predict takes them) into the
     * labels of {@code ?label=} (repeated; or {@code ?labels=imagenet}) prompted by {@code ?template=} (repeated; or
     * {@code ?templates=openai}; default "a photo of a {}."). The label embeddings are computed by the first request
     * that names them and kept.
     */
    private void zeroShot(Context ctx) {
        ServedModel m = model(ctx);
        m.requireText();
        int k = k(ctx);
        List<String> labels = namedOrListed(ctx, "label", "labels", Prompts.IMAGENET, Prompts::imageNetClassNames);
        List<String> templates =
                namedOrListed(ctx, "template", "templates", Prompts.OPENAI, Prompts::openAiImageNetTemplates);
        if (templates.isEmpty()) {
            templates = List.of(Prompts.DEFAULT_TEMPLATE);
        }
        if (labels.isEmpty()) {
            throw new Vit4jException("name the labels: ?label=cat&label=dog (or ?labels=imagenet)");
        }
        ZeroShotClassifier.check(labels, templates);
        List<String> labelList = labels;
        List<String> templateList = templates;
        long answer = (long) Math.min(k, labels.size()) * PREDICTION_BYTES;
        withImages(ctx, m, false, answer, RequestBudget.BUILD_COPIES * answer, (images, deadline) -> {
            ZeroShotClassifier classifier = m.zeroShot(labelList, templateList, deadline);
            answer(
                    ctx,
                    m,
                    false,
                    (upload, r) -> {
                        ObjectNode o = json.createObjectNode().put("image", upload.name());
                        o.put("scoring", classifier.scoring());
                        putPredictions(o, classifier.classify(m.imageEmbedding(r), k));
                        return o;
                    },
                    images,
                    deadline);
        });
    }

    /** {@code ?one=} repeated, or {@code ?many=NAME} for a list vit4j ships; not both. */
    private static List<String> namedOrListed(
            Context ctx, String one, String many, String name, java.util.function.Supplier<List<String>> named) {
        List<String> listed = queryParams(ctx, one);
        List<String> names = queryParams(ctx, many);
        if (!names.isEmpty() && !listed.isEmpty() || names.size() > 1) {
            throw new Vit4jException("give ?" + one + "= (repeated) or ?" + many + "=" + name + ", not both");
        }
        if (!names.isEmpty()) {
            if (!names.get(0).equals(name)) {
                throw new Vit4jException(many + " names a list vit4j ships: " + name + ", not '" + names.get(0) + "'");
            }
            return named.get();
        }
        return listed;
    }

    private ServedModel model(Context ctx) {
        return server.use(ctx, ctx.pathParam("name"));
    }

    /** What a route does with a request's images once its body has arrived and its cost is reserved. */
    private interface ImagesHandler {
        void handle(List<Upload> images, long deadline) throws Exception;
    }

    /**
     * The request's images, within its budget: the body, the parsed form, each image's tensors and outputs, and the
     * answer of {@code answerBytes} per image.
     */
    private void withImages(
            Context ctx, ServedModel m, boolean attention, long answerBytes, long answerPeak, ImagesHandler handler) {
        long deadline = Uploads.deadline(options);
        server.withBody(ctx, deadline, (body, budget) -> {
            List<Upload> images = uploads.images(ctx.req().getContentType(), body, budget);
            List<byte[]> encoded = images.stream().map(Upload::bytes).toList();
            budget.images(encoded, m, attention);
            budget.answer(
                    images.size() * answerBytes,
                    images.size() * answerPeak,
                    "send fewer images in one request, or ask for less (k, blocks)");
            handler.handle(images, deadline);
        });
    }

    /**
     * Query parameters, always as UTF-8 (RFC 3986): Jetty decodes the query string in the body's charset and drops the
     * whole query when that charset is unknown ({@code Content-Type: …; charset=bogus} made {@code k} vanish).
     */
    static List<String> queryParams(Context ctx, String name) {
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

    private static int k(Context ctx) {
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

    private void predict(Context ctx) {
        ServedModel m = model(ctx);
        int k = k(ctx);
        long answer = (long) Math.min(k, Math.max(1, m.config().numClasses)) * PREDICTION_BYTES;
        run(ctx, m, false, answer, RequestBudget.BUILD_COPIES * answer, (upload, r) -> {
            ObjectNode o = json.createObjectNode().put("image", upload.name());
            putPredictions(o, m.topK(r.logits(), k));
            return o;
        });
    }

    private void embed(Context ctx) {
        ServedModel m = model(ctx);
        Embedding embedding = embedding(ctx);
        long values = 0;
        for (Map.Entry<String, long[]> e : m.outputShapes().entrySet()) {
            if (!e.getKey().startsWith("attention.")) {
                values = Math.max(values, e.getValue()[0]);
            }
        }
        run(ctx, m, false, values * RequestBudget.JSON_BYTES_PER_FLOAT, values * TREE_BYTES_PER_FLOAT, (upload, r) -> {
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

    private void attention(Context ctx) {
        ServedModel m = model(ctx);
        int k = k(ctx);
        List<String> blocks = blocks(ctx, m);
        ModelConfig c = m.config();
        long grid = (long) c.gridHeight() * c.gridWidth();
        long values = 2 * grid; // the saliency and the rollout
        for (String block : blocks.isEmpty() ? c.attentionLayout().defaultBlocks() : blocks) {
            long[] shape = m.outputShapes().get("attention." + block);
            values += (shape.length > 0 ? shape[0] + 1 : 1) * grid;
        }
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains("image/png") && !accept.contains("application/json")) {
            long png = 4L * c.height() * c.width() * 4;
            withImages(ctx, m, true, png, RequestBudget.BUILD_COPIES * png, (images, deadline) -> {
                if (images.size() != 1) {
                    throw new Vit4jException("image/png answers one image; send one, or ask for JSON");
                }
                ServedModel.Result r = m.await(m.submit(images.get(0).bytes(), true, deadline));
                Replies.write(ctx, "image/png", AttentionView.overlayPng(m, r, blocks));
            });
            return;
        }
        long answer = values * RequestBudget.JSON_BYTES_PER_FLOAT + (long) k * PREDICTION_BYTES;
        run(
                ctx,
                m,
                true,
                answer,
                values * TREE_BYTES_PER_FLOAT + RequestBudget.BUILD_COPIES * answer,
                (upload, r) -> json.valueToTree(AttentionView.of(m, r, blocks, k)));
    }

    /** The blocks asked for ({@code ?block=}, each once and each the model's), checked before anything runs. */
    private static List<String> blocks(Context ctx, ServedModel m) {
        List<String> blocks = queryParams(ctx, "block");
        Set<String> seen = new HashSet<>();
        for (String b : blocks) {
            if (!seen.add(b)) {
                throw new Vit4jException("block '" + b + "' is asked for more than once");
            }
            if (!m.outputShapes().containsKey("attention." + b)) {
                List<String> have = m.outputShapes().keySet().stream()
                        .filter(n -> n.startsWith("attention."))
                        .map(n -> n.substring("attention.".length()))
                        .toList();
                throw new Vit4jException("no block '" + b + "'; have " + String.join(", ", have));
            }
        }
        return blocks;
    }

    private interface Answer {
        ObjectNode of(Upload upload, ServedModel.Result result);
    }

    /**
     * One image: its answer, or its error with the status that fits. Several (multipart): every image is queued first,
     * so they can share batches, then an array with each image's answer or {@code {"image", "error"}}.
     */
    private void run(Context ctx, ServedModel m, boolean attention, long answerBytes, long answerPeak, Answer answer) {
        withImages(
                ctx,
                m,
                attention,
                answerBytes,
                answerPeak,
                (images, deadline) -> answer(ctx, m, attention, answer, images, deadline));
    }

    private void answer(
            Context ctx, ServedModel m, boolean attention, Answer answer, List<Upload> images, long deadline)
            throws TimeoutException {
        if (!Uploads.isMultipart(ctx.req().getContentType())) {
            Replies.json(
                    ctx, answer.of(images.get(0), m.await(m.submit(images.get(0).bytes(), attention, deadline))));
            return;
        }
        List<ServedModel.Pending<ServedModel.Result>> pending =
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
            o.put("ready", m != null && server.isReady());
            if (m != null) {
                ModelConfig c = m.config();
                o.put("architecture", c.name);
                o.put("family", c.arch);
                o.put("engine", m.engineType().id());
                o.put("num_classes", c.numClasses);
                o.put("embedding_size", c.embedDim);
                o.put("grid", new int[] {c.gridHeight(), c.gridWidth()});
                o.put("attention_blocks", c.attentionLayout().defaultBlocks());
                o.put("rollout", c.attentionLayout().rollout());
                o.put("data_config", m.dataConfig());
                if (m.hasText()) {
                    Map<String, Object> text = new LinkedHashMap<>();
                    text.put("context_length", m.contextLength());
                    text.put("embedding_size", m.textEmbeddingSize());
                    text.put("scoring", m.scoring());
                    o.put("text", text);
                }
            }
            out.add(o);
        }
        return Map.of("models", out);
    }

    /** {@code "predictions"}: each with its index, label, probability and logit, best first. */
    private static void putPredictions(ObjectNode o, List<Prediction> top) {
        ArrayNode preds = o.putArray("predictions");
        for (Prediction p : top) {
            preds.addObject()
                    .put("index", p.index())
                    .put("label", p.label())
                    .put("probability", p.probability())
                    .put("logit", p.logit());
        }
    }
}
