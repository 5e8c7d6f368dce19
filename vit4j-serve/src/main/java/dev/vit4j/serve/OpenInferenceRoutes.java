package dev.vit4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.Prediction;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.serve.InferenceTensors.Input;
import dev.vit4j.serve.InferenceTensors.Output;
import dev.vit4j.serve.InferenceTensors.RequestedOutput;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Open Inference Protocol (KServe v2), REST, beside the {@code /v1} routes: server and model metadata, health
 * and readiness, inference, and Triton's model repository extension. A model has one input of two forms — {@code
 * pixel_values}, FP32 {@code [N, C, H, W]} already preprocessed (run as given), or {@code image}, BYTES {@code [N]} of
 * encoded images (preprocessed here exactly as {@code /v1} does) — and outputs {@code logits} (when it has a head),
 * {@code pre_logits} and {@code attention.BLOCK} (on request). Every image joins the same dynamic batches, queue,
 * deadlines and limits as {@code /v1}'s. Each model has one version, "1".
 */
final class OpenInferenceRoutes {
    static final String PIXELS = "pixel_values";
    static final String IMAGE = "image";
    /** A two-tower model's texts (BYTES, UTF-8), and the output they give. */
    static final String TEXT = "text";

    static final String TEXT_EMBEDS = "text_embeds";
    static final String VERSION = "1";
    /** A classification label's bytes at most: "logit:index:label", with ImageNet-21k's longest names. */
    private static final int MAX_CLASS_LABEL = 256;

    private final ServerAccess server;
    private final ModelRepository repository;
    private final ServeOptions options;
    private final Function<Map<String, String>, Supplier<LoadedModel>> sources;

    OpenInferenceRoutes(
            ServerAccess server,
            ModelRepository repository,
            ServeOptions options,
            Function<Map<String, String>, Supplier<LoadedModel>> sources) {
        this.server = server;
        this.repository = repository;
        this.options = options;
        this.sources = sources;
    }

    void register(Javalin app) {
        app.get("/v2", this::serverMetadata);
        app.get("/v2/health/live", ctx -> Replies.empty(ctx, 200));
        app.get("/v2/health/ready", ctx -> Replies.empty(ctx, server.isReady() ? 200 : 400));
        app.get("/v2/models/{name}", this::modelMetadata);
        app.get("/v2/models/{name}/versions/{version}", this::modelMetadata);
        app.get("/v2/models/{name}/ready", this::modelReady);
        app.get("/v2/models/{name}/versions/{version}/ready", this::modelReady);
        app.post("/v2/models/{name}/infer", this::infer);
        app.post("/v2/models/{name}/versions/{version}/infer", this::infer);
        app.post("/v2/repository/index", this::index);
        app.post("/v2/repository/models/{name}/load", this::load);
        app.post("/v2/repository/models/{name}/unload", this::unload);
    }

    private void serverMetadata(Context ctx) {
        List<String> extensions = new ArrayList<>(List.of("binary_tensor_data", "classification"));
        if (options.modelControl()) {
            extensions.add("model_repository");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "vit4j");
        body.put("version", version());
        body.put("extensions", extensions);
        Replies.json(ctx, body);
    }

    static String version() {
        String v = OpenInferenceRoutes.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private ServedModel model(Context ctx) {
        String version = ctx.pathParamMap().get("version");
        String name = ctx.pathParam("name");
        if (version != null && !version.equals(VERSION)) {
            throw new HttpResponseException(
                    404, "model '" + name + "' has one version, " + VERSION + ", not '" + version + "'");
        }
        return server.use(ctx, name);
    }

    private void modelMetadata(Context ctx) {
        ServedModel m = model(ctx);
        ModelConfig c = m.config();
        int[] in = m.inputShape();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", m.name());
        body.put("versions", List.of(VERSION));
        body.put("platform", "vit4j_" + m.engineType().id());
        List<Map<String, Object>> inputs = new ArrayList<>(List.of(
                tensor(PIXELS, InferenceTensors.FP32, new long[] {-1, in[0], in[1], in[2]}),
                tensor(IMAGE, InferenceTensors.BYTES, new long[] {-1})));
        if (m.hasText()) {
            inputs.add(tensor(TEXT, InferenceTensors.BYTES, new long[] {-1}));
        }
        body.put("inputs", inputs);
        List<Map<String, Object>> outputs = new ArrayList<>();
        m.outputShapes().forEach((name, shape) -> {
            long[] batched = new long[shape.length + 1];
            batched[0] = -1;
            System.arraycopy(shape, 0, batched, 1, shape.length);
            outputs.add(tensor(name, InferenceTensors.FP32, batched));
        });
        if (m.hasText()) {
            outputs.add(tensor(TEXT_EMBEDS, InferenceTensors.FP32, new long[] {-1, m.textEmbeddingSize()}));
        }
        body.put("outputs", outputs);
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("architecture", c.name);
        parameters.put("head", c.numClasses == 0 ? "none" : c.hasClassifier() ? "classifier" : "projection");
        parameters.put(
                "inputs",
                "one of " + PIXELS + " (preprocessed: " + m.dataConfig().interpolation()
                        + " resize, crop_pct " + m.dataConfig().cropPct() + ", mean/std normalised) or " + IMAGE
                        + " (encoded images)"
                        + (m.hasText() ? "; or " + TEXT + " (UTF-8 texts, giving " + TEXT_EMBEDS + ")" : ""));
        body.put("parameters", parameters);
        Replies.json(ctx, body);
    }

    private static Map<String, Object> tensor(String name, String datatype, long[] shape) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("name", name);
        t.put("datatype", datatype);
        t.put("shape", shape);
        return t;
    }

    private void modelReady(Context ctx) {
        String version = ctx.pathParamMap().get("version");
        ServedModel m = repository.loaded(ctx.pathParam("name"));
        boolean ready = m != null && server.isReady() && (version == null || version.equals(VERSION));
        Replies.empty(ctx, ready ? 200 : 400);
    }

    private void infer(Context ctx) {
        ServedModel m = model(ctx);
        long deadline = Uploads.deadline(options);
        server.withBody(ctx, deadline, (body, budget) -> answer(ctx, m, body, budget, deadline));
    }

    private void answer(Context ctx, ServedModel m, byte[] body, RequestBudget budget, long deadline)
            throws TimeoutException {
        int[] in = m.inputShape();
        int perImage = in[0] * in[1] * in[2];
        String headerLength = ctx.header(InferenceTensors.HEADER_LENGTH);
        // Parsed as a tree (the JSON part), then FP32 data decoded beside it (at most 4 bytes for every 2 of body).
        long json =
                headerLength == null ? body.length : Math.min(body.length, InferenceTensors.jsonLength(headerLength));
        budget.reserve(
                RequestBudget.JSON_TREE_BYTES_PER_BYTE * Math.max(0, json) + 2L * body.length, "parsing the request");
        InferenceTensors.Request request = InferenceTensors.parse(
                Replies.JSON,
                body,
                headerLength,
                (name, datatype) -> {
                    String expected = name.equals(PIXELS)
                            ? InferenceTensors.FP32
                            : name.equals(IMAGE) || name.equals(TEXT) && m.hasText() ? InferenceTensors.BYTES : null;
                    if (expected == null) {
                        throw new Vit4jException("unexpected input '" + name + "' for model '" + m.name()
                                + "': it takes " + PIXELS + " (FP32) or " + IMAGE + " (BYTES)"
                                + (m.hasText() ? " or " + TEXT + " (BYTES)" : ""));
                    }
                    if (!expected.equals(datatype)) {
                        throw new Vit4jException("input '" + name + "' of model '" + m.name() + "' is " + expected
                                + ", not " + datatype);
                    }
                    return (long) options.maxImages() * (name.equals(PIXELS) ? perImage : 1);
                },
                TEXT::equals);
        if (request.inputs().size() != 1) {
            throw new Vit4jException("give one input, " + PIXELS + " or " + IMAGE + (m.hasText() ? " or " + TEXT : "")
                    + ", not " + request.inputs().size());
        }
        Input input = request.inputs().get(0);
        if (input.name().equals(TEXT)) {
            answerTexts(ctx, m, request, input, budget, deadline);
            return;
        }
        int n = images(input, in);
        List<RequestedOutput> wanted = outputs(m, request);
        boolean attention = wanted.stream().anyMatch(o -> o.name().startsWith("attention."));
        if (input.fp32() != null) {
            budget.tensors(n, m, attention);
        } else {
            budget.images(input.bytes(), m, attention);
        }
        answerSize(m, n, wanted, request.binaryOutputs(), budget);
        List<ServedModel.Pending<ServedModel.Result>> pending = ServedModel.submitAll(
                n,
                i -> input.fp32() != null
                        ? m.submitPixels(
                                Arrays.copyOfRange(input.fp32(), i * perImage, (i + 1) * perImage), attention, deadline)
                        : m.submit(input.bytes().get(i), attention, deadline));
        List<ServedModel.Result> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                results.add(m.await(pending.get(i)));
            } catch (Vit4jException e) {
                pending.forEach(p -> p.future().cancel(false));
                throw n == 1 ? e : new Vit4jException("image " + i + " of " + n + ": " + e.getMessage());
            }
        }
        List<Output> outputs = new ArrayList<>();
        for (RequestedOutput o : wanted) {
            outputs.add(output(m, o, results, request.binaryOutputs() || o.binary()));
        }
        InferenceTensors.Encoded encoded =
                InferenceTensors.encode(Replies.JSON, m.name(), VERSION, request.id(), outputs);
        if (encoded.headerLength() < 0) {
            Replies.write(ctx, "application/json", encoded.body());
        } else {
            ctx.header(InferenceTensors.HEADER_LENGTH, Integer.toString(encoded.headerLength()));
            Replies.write(ctx, "application/octet-stream", encoded.body());
        }
    }

    /**
     * The {@code text} input (BYTES, UTF-8, shape [N] or [N, 1]) through the model's text batcher: the {@code
     * text_embeds} output, N × the joint space's size (open_clip's encode_text, not normalized).
     */
    private void answerTexts(
            Context ctx,
            ServedModel m,
            InferenceTensors.Request request,
            Input input,
            RequestBudget budget,
            long deadline)
            throws TimeoutException {
        long[] s = input.shape();
        if (!(s.length == 1 || s.length == 2 && s[1] == 1) || s[0] < 1) {
            throw new Vit4jException("input '" + TEXT + "' has shape " + Arrays.toString(s) + "; it takes [N] (or"
                    + " [N, 1]), N at least 1");
        }
        for (RequestedOutput o : request.outputs()) {
            if (!o.name().equals(TEXT_EMBEDS) || o.classification() > 0) {
                throw new Vit4jException("input '" + TEXT + "' gives the output " + TEXT_EMBEDS + " alone, not '"
                        + o.name() + "'" + (o.classification() > 0 ? " with classification" : ""));
            }
        }
        if (request.outputs().size() > 1) {
            throw new Vit4jException("output '" + TEXT_EMBEDS + "' is asked for more than once");
        }
        int n = (int) s[0];
        java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                texts.add(utf8.reset()
                        .decode(java.nio.ByteBuffer.wrap(input.bytes().get(i)))
                        .toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new Vit4jException("element " + i + " of input '" + TEXT + "' is not UTF-8");
            }
        }
        int dim = m.textEmbeddingSize();
        boolean binary = request.binaryOutputs() || request.outputs().stream().anyMatch(RequestedOutput::binary);
        long values = (long) n * dim;
        budget.reserve(n * m.bytesPerText(), n + " texts for " + m.name());
        budget.answer(
                values * (binary ? Float.BYTES : RequestBudget.JSON_BYTES_PER_FLOAT),
                RequestBudget.BUILD_COPIES * values * (binary ? Float.BYTES : RequestBudget.JSON_BYTES_PER_FLOAT)
                        + Float.BYTES * values,
                "send fewer texts, or ask for binary outputs (binary_data_output)");
        List<float[]> embeddings = m.embedTexts(texts, deadline);
        float[] data = new float[n * dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(embeddings.get(i), 0, data, i * dim, dim);
        }
        Output out = new Output(TEXT_EMBEDS, InferenceTensors.FP32, new long[] {n, dim}, data, null, binary);
        InferenceTensors.Encoded encoded =
                InferenceTensors.encode(Replies.JSON, m.name(), VERSION, request.id(), List.of(out));
        if (encoded.headerLength() < 0) {
            Replies.write(ctx, "application/json", encoded.body());
        } else {
            ctx.header(InferenceTensors.HEADER_LENGTH, Integer.toString(encoded.headerLength()));
            Replies.write(ctx, "application/octet-stream", encoded.body());
        }
    }

    /** The number of images in the input, its shape checked against the model's. */
    private int images(Input input, int[] in) {
        long[] s = input.shape();
        boolean ok = input.fp32() != null
                ? s.length == 4 && s[1] == in[0] && s[2] == in[1] && s[3] == in[2]
                : s.length == 1 || s.length == 2 && s[1] == 1;
        if (!ok) {
            throw new Vit4jException("input '" + input.name() + "' has shape " + Arrays.toString(s)
                    + "; the model takes "
                    + (input.fp32() != null ? "[N, " + in[0] + ", " + in[1] + ", " + in[2] + "]" : "[N] (or [N, 1])"));
        }
        if (s[0] < 1) {
            throw new Vit4jException("input '" + input.name() + "' has no images (shape[0] is 0)");
        }
        return (int) s[0];
    }

    /**
     * The answer's size, from the outputs asked for: each value 4 bytes in binary, up to 16 as JSON text; bounded by
     * {@code --max-response-mb} and reserved (three times its size while it is built) before anything runs.
     */
    private static void answerSize(
            ServedModel m, int n, List<RequestedOutput> wanted, boolean binaryByDefault, RequestBudget budget) {
        long bytes = 0;
        long values = 0;
        for (RequestedOutput o : wanted) {
            long per = 1;
            if (o.classification() > 0) {
                per = Math.min(o.classification(), m.config().numClasses) * (long) MAX_CLASS_LABEL;
            } else {
                for (long d : m.outputShapes().get(o.name())) {
                    per *= d;
                }
                values += n * per;
            }
            boolean binary = binaryByDefault || o.binary();
            bytes += n * per * (o.classification() > 0 ? 1 : binary ? Float.BYTES : RequestBudget.JSON_BYTES_PER_FLOAT);
        }
        budget.answer(
                bytes,
                RequestBudget.BUILD_COPIES * bytes + Float.BYTES * values,
                "ask for fewer outputs or images, or for binary outputs (binary_data_output)");
    }

    /**
     * The outputs to answer: those asked for (each known to the model, each once: a repeat is the client's error, as
     * the protocol has it), else its logits (if any) and pre_logits.
     */
    private static List<RequestedOutput> outputs(ServedModel m, InferenceTensors.Request request) {
        Map<String, long[]> shapes = m.outputShapes();
        if (request.outputs().isEmpty()) {
            return shapes.keySet().stream()
                    .filter(name -> !name.startsWith("attention."))
                    .map(name -> new RequestedOutput(name, false, 0))
                    .toList();
        }
        java.util.Set<String> named = new java.util.HashSet<>();
        for (RequestedOutput o : request.outputs()) {
            if (!named.add(o.name())) {
                throw new Vit4jException("output '" + o.name() + "' is asked for more than once");
            }
            if (!shapes.containsKey(o.name())) {
                throw new Vit4jException("unexpected output '" + o.name() + "' for model '" + m.name() + "': it has "
                        + String.join(", ", shapes.keySet()));
            }
            if (o.classification() > 0 && !o.name().equals("logits")) {
                throw new Vit4jException("classification is offered on the output logits, not " + o.name());
            }
        }
        return request.outputs();
    }

    private static Output output(ServedModel m, RequestedOutput o, List<ServedModel.Result> results, boolean binary) {
        int n = results.size();
        if (o.classification() > 0) {
            int k = Math.min(o.classification(), m.config().numClasses);
            List<byte[]> labels = new ArrayList<>(n * k);
            for (ServedModel.Result r : results) {
                for (Prediction p : m.topK(r.logits(), k)) {
                    labels.add((p.logit() + ":" + p.index() + ":" + p.label()).getBytes(StandardCharsets.UTF_8));
                }
            }
            return new Output(o.name(), InferenceTensors.BYTES, new long[] {n, k}, null, labels, binary);
        }
        long[] one = m.outputShapes().get(o.name());
        long[] shape = new long[one.length + 1];
        shape[0] = n;
        System.arraycopy(one, 0, shape, 1, one.length);
        int per = 1;
        for (long d : one) {
            per *= (int) d;
        }
        float[] data = new float[n * per];
        for (int i = 0; i < n; i++) {
            ServedModel.Result r = results.get(i);
            float[] values =
                    switch (o.name()) {
                        case "logits" -> r.logits();
                        case "pre_logits" -> r.preLogits();
                        default -> r.attention().get(o.name()).data();
                    };
            System.arraycopy(values, 0, data, i * per, per);
        }
        return new Output(o.name(), InferenceTensors.FP32, shape, data, null, binary);
    }

    private void index(Context ctx) {
        server.requireModelControl(ctx);
        server.withBody(ctx, Uploads.deadline(options), (body, budget) -> {
            boolean readyOnly = false;
            if (body.length > 0) {
                JsonNode root = readJson(body);
                JsonNode ready = root.get("ready");
                if (ready != null && !ready.isNull()) {
                    if (!ready.isBoolean()) {
                        throw new Vit4jException("\"ready\" must be true or false");
                    }
                    readyOnly = ready.asBoolean();
                }
            }
            List<Map<String, Object>> out = new ArrayList<>();
            for (ModelRepository.Entry e : repository.index()) {
                if (readyOnly && e.state() != ModelRepository.State.READY) {
                    continue;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", e.name());
                row.put("version", VERSION);
                row.put("state", e.state().name());
                row.put("reason", e.reason());
                out.add(row);
            }
            Replies.json(ctx, out);
        });
    }

    private static JsonNode readJson(byte[] body) {
        try {
            JsonNode root = Replies.JSON.readTree(body);
            if (root == null || !root.isObject()) {
                throw new Vit4jException("the request body must be a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new Vit4jException("the request body is not JSON: "
                    + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /**
     * {@code {"parameters": {"model": MODEL, "weights": FILE}}}: MODEL as {@code vit4j serve -m} takes it; without
     * parameters, the name is loaded again from where it was loaded before (a reload, or after an unload).
     */
    private void load(Context ctx) {
        server.requireModelControl(ctx);
        String name = ctx.pathParam("name");
        server.withBody(ctx, Uploads.deadline(options), (body, budget) -> {
            Map<String, String> parameters = new LinkedHashMap<>();
            if (body.length > 0) {
                JsonNode p = readJson(body).path("parameters");
                for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isTextual()) {
                        throw new Vit4jException("parameter " + e.getKey() + " must be a string");
                    }
                    parameters.put(e.getKey(), e.getValue().asText());
                }
            }
            repository.load(name, parameters.isEmpty() ? null : sources.apply(parameters));
            Replies.json(ctx, Map.of("name", name, "state", ModelRepository.State.READY.name()));
        });
    }

    private void unload(Context ctx) {
        server.requireModelControl(ctx);
        String name = ctx.pathParam("name");
        server.withBody(ctx, Uploads.deadline(options), (body, budget) -> {
            repository.unload(name);
            Replies.json(ctx, Map.of("name", name, "state", ModelRepository.State.UNAVAILABLE.name()));
        });
    }
}
