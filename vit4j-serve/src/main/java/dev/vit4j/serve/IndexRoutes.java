package dev.vit4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.io.Hashes;
import dev.vit4j.search.VitIndex;
import dev.vit4j.serve.Uploads.Upload;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Vector indexes served beside their models ({@code vit4j serve --index NAME=DIR}): {@code GET /v1/indexes}, {@code
 * POST /v1/indexes/{name}/search} (an image as the body, or JSON {@code {"text", "k"}}), {@code POST
 * /v1/indexes/{name}/images} to add and {@code DELETE} to remove. Queries and added images are embedded through the
 * index's model's batcher, within the same limits, deadlines and budget as {@code /v1/models}; searches keep answering
 * while images are added (Lucene's near-real-time searcher over one writer).
 */
final class IndexRoutes implements AutoCloseable {
    private static final int MAX_K = 1000;
    private static final int MAX_CANDIDATES = 10_000;
    /** A hit in JSON: its path (a long one) and score. */
    private static final int HIT_BYTES = 512;

    private record Served(String model, VitIndex index) {}

    private final ServerAccess server;
    private final ServeOptions options;
    private final Uploads uploads;
    private final Map<String, Served> indexes = new ConcurrentHashMap<>();

    IndexRoutes(ServerAccess server, ServeOptions options) {
        this.server = server;
        this.options = options;
        this.uploads = new Uploads(options);
    }

    void register(Javalin app) {
        app.get("/v1/indexes", this::list);
        app.post("/v1/indexes/{name}/search", this::search);
        app.post("/v1/indexes/{name}/images", this::add);
        app.delete("/v1/indexes/{name}/images", this::remove);
    }

    /** Serves the index in {@code dir} under {@code name}, embedding with the loaded model {@code model}. */
    void open(String name, Path dir, ServedModel model) {
        if (indexes.containsKey(name)) {
            throw new Vit4jException("an index named " + name + " is served already");
        }
        indexes.put(name, new Served(model.name(), VitIndex.open(dir, model.pipeline())));
    }

    private Served served(Context ctx) {
        String name = ctx.pathParam("name");
        Served s = indexes.get(name);
        if (s == null) {
            throw new HttpResponseException(
                    404, "no index '" + name + "'; serving " + String.join(", ", indexes.keySet()));
        }
        return s;
    }

    private void list(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        indexes.forEach((name, s) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            VitIndex.Settings settings = s.index().settings();
            o.put("name", name);
            o.put("model", s.model());
            o.put("images", s.index().size());
            o.put("dimension", s.index().dimension());
            o.put("quantize", settings.int8() ? "int8" : "none");
            o.put("max_connections", settings.maxConnections());
            o.put("beam_width", settings.beamWidth());
            out.add(o);
        });
        out.sort((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")));
        Replies.json(ctx, Map.of("indexes", out));
    }

    /**
     * A search by the body's image ({@code ?k=&candidates=&path_prefix=&modified_after=&modified_before=}), or by
     * {@code {"text": …, "k": …}} (the same names as JSON fields) when the body is JSON.
     */
    private void search(Context ctx) {
        Served s = served(ctx);
        ServedModel m = server.use(ctx, s.model());
        boolean json = isJson(ctx.req().getContentType());
        long deadline = Uploads.deadline(options);
        server.withBody(ctx, deadline, (body, budget) -> {
            Query q;
            float[] vector;
            if (json) {
                budget.reserve(RequestBudget.JSON_TREE_BYTES_PER_BYTE * body.length, "parsing the request");
                JsonNode root = V1Routes.jsonObject(body);
                JsonNode text = root.get("text");
                if (text == null || !text.isTextual()) {
                    throw new Vit4jException("the body needs \"text\": the sentence to search by (or send an image)");
                }
                m.requireText();
                q = Query.of(
                        name -> root.hasNonNull(name) ? List.of(root.get(name).asText()) : List.of());
                budget.reserve(m.bytesPerText(), "the sentence for " + m.name());
                budget.answer((long) q.k * HIT_BYTES, (long) q.k * HIT_BYTES * 2, "ask for a smaller k");
                vector = ZeroShotClassifier.normalize(
                        m.embedTexts(List.of(text.asText()), deadline).get(0));
            } else {
                q = Query.of(name -> V1Routes.queryParams(ctx, name));
                List<Upload> images = uploads.images(ctx.req().getContentType(), body, budget);
                if (images.size() != 1) {
                    throw new Vit4jException("send one image to search by (the body, or one part of a form), or JSON"
                            + " {\"text\": …}; this request has " + images.size());
                }
                budget.images(List.of(images.get(0).bytes()), m, false);
                budget.answer((long) q.k * HIT_BYTES, (long) q.k * HIT_BYTES * 2, "ask for a smaller k");
                ServedModel.Result r = m.await(m.submit(images.get(0).bytes(), false, deadline));
                vector = s.index().vectorOf(r.logits(), r.preLogits());
            }
            List<VitIndex.Hit> hits = s.index().search(vector, q.k, q.filter, q.candidates);
            ObjectNode out = Replies.JSON.createObjectNode();
            out.put("index", ctx.pathParam("name"));
            ArrayNode list = out.putArray("hits");
            for (VitIndex.Hit h : hits) {
                list.addObject().put("path", h.path()).put("score", h.score());
            }
            Replies.json(ctx, out);
        });
    }

    private static boolean isJson(String contentType) {
        return contentType != null
                && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json");
    }

    /** A search's k, candidates and filters, from query parameters or JSON fields of the same names. */
    private record Query(int k, int candidates, VitIndex.Filter filter) {
        static Query of(java.util.function.Function<String, List<String>> values) {
            int k = number(values, "k", 10, 1, MAX_K);
            int candidates = number(values, "candidates", Math.max(k, 100), k, MAX_CANDIDATES);
            Long after = millis(values, "modified_after");
            Long before = millis(values, "modified_before");
            List<String> prefix = values.apply("path_prefix");
            return new Query(
                    k,
                    candidates,
                    new VitIndex.Filter(
                            prefix.isEmpty() ? null : prefix.get(0), after, before == null ? null : before - 1));
        }

        private static int number(
                java.util.function.Function<String, List<String>> values, String name, int fallback, int min, int max) {
            List<String> v = values.apply(name);
            if (v.isEmpty()) {
                return fallback;
            }
            try {
                int n = Integer.parseInt(v.get(0));
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
            throw new Vit4jException(
                    name + " must be a whole number from " + min + " to " + max + ", not '" + v.get(0) + "'");
        }

        private static Long millis(java.util.function.Function<String, List<String>> values, String name) {
            List<String> v = values.apply(name);
            if (v.isEmpty()) {
                return null;
            }
            try {
                return Long.parseLong(v.get(0));
            } catch (NumberFormatException e) {
                throw new Vit4jException(name + " is epoch milliseconds, not '" + v.get(0) + "'");
            }
        }
    }

    /**
     * Adds the request's images: the body under {@code ?path=NAME}, or a form's parts under their file names (an
     * image already under that name is replaced); each embedded through the model's batcher, then committed.
     */
    private void add(Context ctx) {
        Served s = served(ctx);
        ServedModel m = server.use(ctx, s.model());
        List<String> path = V1Routes.queryParams(ctx, "path");
        long deadline = Uploads.deadline(options);
        server.withBody(ctx, deadline, (body, budget) -> {
            boolean multipart = Uploads.isMultipart(ctx.req().getContentType());
            if (!multipart && path.size() != 1) {
                throw new Vit4jException(
                        "name the image: ?path=NAME (once), or send a form whose parts have file names");
            }
            List<Upload> images = uploads.images(ctx.req().getContentType(), body, budget);
            if (images.isEmpty()) {
                throw new Vit4jException("no image in the request");
            }
            List<String> names = new ArrayList<>();
            for (Upload u : images) {
                String name = multipart ? u.name() : path.get(0);
                if (name == null || name.isBlank()) {
                    throw new Vit4jException("every part needs a file name: it is the image's path in the index");
                }
                names.add(name);
            }
            budget.images(images.stream().map(Upload::bytes).toList(), m, false);
            budget.answer((long) images.size() * HIT_BYTES, (long) images.size() * HIT_BYTES * 2, "send fewer images");
            List<ServedModel.Pending<ServedModel.Result>> pending = ServedModel.submitAll(
                    images.size(), i -> m.submit(images.get(i).bytes(), false, deadline));
            ObjectNode out = Replies.JSON.createObjectNode();
            out.put("index", ctx.pathParam("name"));
            ArrayNode added = out.putArray("added");
            ArrayNode failed = Replies.JSON.createArrayNode();
            long now = System.currentTimeMillis();
            for (int i = 0; i < images.size(); i++) {
                try {
                    ServedModel.Result r = m.await(pending.get(i));
                    byte[] bytes = images.get(i).bytes();
                    s.index()
                            .add(
                                    names.get(i),
                                    s.index().vectorOf(r.logits(), r.preLogits()),
                                    bytes.length,
                                    now,
                                    Hashes.sha256(bytes));
                    added.add(names.get(i));
                } catch (Vit4jException e) {
                    if (!multipart) {
                        throw e;
                    }
                    failed.addObject().put("path", names.get(i)).put("error", e.getMessage());
                }
            }
            s.index().commit();
            if (!failed.isEmpty()) {
                out.set("errors", failed);
            }
            out.put("images", s.index().size());
            Replies.json(ctx, out);
        });
    }

    /** Removes the images named by {@code ?path=} (repeated), then commits. */
    private void remove(Context ctx) {
        Served s = served(ctx);
        List<String> paths = V1Routes.queryParams(ctx, "path");
        if (paths.isEmpty()) {
            throw new Vit4jException("name the images to remove: ?path=NAME (repeated)");
        }
        if (paths.size() > options.maxImages()) {
            throw new HttpResponseException(413, paths.size() + " paths; one request may name " + options.maxImages());
        }
        int removed = 0;
        for (String p : paths) {
            removed += s.index().remove(p) ? 1 : 0;
        }
        s.index().commit();
        ObjectNode out = Replies.JSON.createObjectNode();
        out.put("index", ctx.pathParam("name"));
        out.put("removed", removed);
        out.put("images", s.index().size());
        Replies.json(ctx, out);
    }

    @Override
    public void close() {
        indexes.values().forEach(s -> s.index().close());
        indexes.clear();
    }
}
