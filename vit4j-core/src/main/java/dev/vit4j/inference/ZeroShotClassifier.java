package dev.vit4j.inference;

import dev.vit4j.Vit4jException;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.models.TextModel;
import dev.vit4j.text.Prompts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Zero-shot classification with a two-tower model (Radford et al. 2021): each label's embedding is the mean of its
 * prompts' normalized text embeddings, normalized again (open_clip's {@code build_zero_shot_classifier}); an image's
 * logits are {@code logit_scale · cos(image, label)}, plus {@code logit_bias} for SigLIP. CLIP's probabilities are a
 * softmax over the labels; SigLIP's are independent sigmoids (Zhai et al. 2023), which need not sum to one. Built once
 * per model, labels and templates ({@link ModelPipeline#zeroShot}), then used for any number of images. Thread-safe.
 */
public final class ZeroShotClassifier {
    /** The most labels one classifier takes. */
    public static final int MAX_LABELS = 100_000;

    /** The most prompts (labels × templates) one classifier embeds. */
    public static final int MAX_PROMPTS = 1_000_000;

    private final List<String> labels;
    private final List<String> templates;
    private final float[][] weights;
    private final float scale;
    private final float bias;
    private final boolean sigmoid;

    private ZeroShotClassifier(
            List<String> labels, List<String> templates, float[][] weights, float scale, float bias, boolean sigmoid) {
        this.labels = labels;
        this.templates = templates;
        this.weights = weights;
        this.scale = scale;
        this.bias = bias;
        this.sigmoid = sigmoid;
    }

    /** Refuses labels and templates a classifier cannot be built from, before any text is embedded. */
    public static void check(List<String> labels, List<String> templates) {
        if (labels == null || labels.isEmpty()) {
            throw Vit4jException.naming("no {labels} to classify into");
        }
        if (labels.size() > MAX_LABELS) {
            throw Vit4jException.naming("%s {labels}; vit4j takes at most %s", labels.size(), MAX_LABELS);
        }
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i) == null || labels.get(i).isBlank()) {
                throw Vit4jException.naming("{labels} entry %s is empty", i + 1);
            }
        }
        if (templates == null || templates.isEmpty()) {
            throw Vit4jException.naming("no {templates} (use \"{}\" for the label alone)");
        }
        templates.forEach(Prompts::checkTemplate);
        if ((long) labels.size() * templates.size() > MAX_PROMPTS) {
            throw Vit4jException.naming(
                    "%s {labels} × %s {templates} is more than the %s prompts vit4j embeds for one classifier",
                    labels.size(), templates.size(), MAX_PROMPTS);
        }
    }

    /** Every label's prompts embedded (normalized, by {@code embedder}) and averaged. */
    static ZeroShotClassifier build(
            TextModel text,
            List<String> labels,
            List<String> templates,
            java.util.function.Function<List<String>, List<float[]>> embedder) {
        check(labels, templates);
        long count = (long) labels.size() * templates.size();
        long chars = 0;
        for (String t : templates) {
            chars += (long) labels.size() * t.length();
        }
        for (String label : labels) {
            chars += (long) templates.size() * label.length();
        }
        // while building: every prompt (its chars, an object each) and its embedding (an array each), then the labels'
        long bytes = 2 * chars
                + count * (OBJECT_BYTES * 2 + (long) Float.BYTES * text.config().embedDim)
                + labels.size() * ((long) Float.BYTES * text.config().embedDim + OBJECT_BYTES);
        try (MemoryBudget.Reservation memory =
                MemoryBudget.heap().reserve(bytes, count + " zero-shot prompts and their embeddings")) {
            return build(text, labels, templates, embedder, count);
        }
    }

    /** What a small object or array costs the heap besides its contents (header, reference, padding). */
    private static final long OBJECT_BYTES = 32;

    private static ZeroShotClassifier build(
            TextModel text,
            List<String> labels,
            List<String> templates,
            java.util.function.Function<List<String>, List<float[]>> embedder,
            long count) {
        List<String> prompts = new ArrayList<>((int) count);
        for (String label : labels) {
            for (String t : templates) {
                prompts.add(Prompts.fill(t, label));
            }
        }
        List<float[]> embedded = embedder.apply(prompts);
        int dim = embedded.get(0).length;
        float[][] weights = new float[labels.size()][];
        for (int c = 0; c < labels.size(); c++) {
            float[] mean = new float[dim];
            for (int t = 0; t < templates.size(); t++) {
                float[] e = embedded.get(c * templates.size() + t);
                for (int d = 0; d < dim; d++) {
                    mean[d] += e[d];
                }
            }
            for (int d = 0; d < dim; d++) {
                mean[d] /= templates.size();
            }
            weights[c] = normalized(mean, 0);
        }
        return new ZeroShotClassifier(
                List.copyOf(labels),
                List.copyOf(templates),
                weights,
                text.logitScale(),
                text.logitBias(),
                text.config().scoring().equals("sigmoid"));
    }

    /** {@code v} L2-normalised (a new array), as torch's {@code F.normalize}: a zero vector stays zero. */
    public static float[] normalize(float[] v) {
        return normalized(v, 1e-12);
    }

    /** {@code v / max(‖v‖, eps)} (a new array), as torch's {@code F.normalize} (eps 1e-12) or a plain division (0). */
    static float[] normalized(float[] v, double eps) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.max(Math.sqrt(sum), eps);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    public List<String> labels() {
        return labels;
    }

    public List<String> templates() {
        return templates;
    }

    /** "softmax" (CLIP: probabilities over the labels sum to one) or "sigmoid" (SigLIP: each label on its own). */
    public String scoring() {
        return sigmoid ? "sigmoid" : "softmax";
    }

    /** Each label's logit for one image embedding (the image tower's joint-space output, normalized here). */
    public float[] logits(float[] imageEmbedding) {
        if (imageEmbedding.length != weights[0].length) {
            throw new Vit4jException("an image embedding of " + imageEmbedding.length + " values; the labels' have "
                    + weights[0].length);
        }
        float[] image = normalized(imageEmbedding, 1e-12);
        float[] out = new float[weights.length];
        for (int c = 0; c < weights.length; c++) {
            float dot = 0;
            float[] w = weights[c];
            for (int d = 0; d < w.length; d++) {
                dot += image[d] * w[d];
            }
            out[c] = scale * dot + bias;
        }
        return out;
    }

    /** The {@code k} most likely labels for an image embedding, best first (ties by label order). */
    public List<Prediction> classify(float[] imageEmbedding, int k) {
        float[] logits = logits(imageEmbedding);
        double[] p = new double[logits.length];
        if (sigmoid) {
            for (int i = 0; i < p.length; i++) {
                p[i] = 1 / (1 + Math.exp(-logits[i]));
            }
        } else {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : logits) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int i = 0; i < p.length; i++) {
                p[i] = Math.exp(logits[i] - max);
                sum += p[i];
            }
            for (int i = 0; i < p.length; i++) {
                p[i] /= sum;
            }
        }
        return IntStream.range(0, logits.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i))
                .limit(Math.max(0, Math.min(k, logits.length)))
                .map(i -> new Prediction(i, labels.get(i), p[i], logits[i]))
                .toList();
    }
}
