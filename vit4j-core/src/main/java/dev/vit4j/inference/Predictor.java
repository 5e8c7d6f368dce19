package dev.vit4j.inference;

import dev.vit4j.Vit4jException;
import dev.vit4j.image.EvalTransform;
import dev.vit4j.models.DataConfig;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** Images → timm's eval preprocessing → one batched forward pass → top-k classes per image. */
public final class Predictor {
    private final InferenceEngine engine;
    private final EvalTransform transform;
    private final DataConfig data;
    private final Labels labels;

    public Predictor(LoadedModel loaded) {
        this(new TorchEngine(loaded), loaded.labels());
    }

    public Predictor(InferenceEngine engine, Labels labels) {
        this.engine = engine;
        this.labels = labels;
        this.data = engine.config().resolvedDataConfig();
        this.transform = new EvalTransform(data);
    }

    /** Preprocesses every image first, so a bad file fails before any compute. */
    public float[] preprocess(List<Path> images) {
        int per = data.channels() * data.height() * data.width();
        float[] batch = new float[per * images.size()];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(transform.apply(images.get(i)), 0, batch, i * per, per);
        }
        return batch;
    }

    /** The images preprocessed and run as one batch: logits and pre-logits (embeddings). */
    public ModelOutputs run(List<Path> images) {
        return engine.run(
                preprocess(images), new long[] {images.size(), data.channels(), data.height(), data.width()}, false);
    }

    /** An image that could not be read or decoded, and why (the reason names the file). */
    public record Unreadable(Path image, String reason) {}

    /**
     * A batch's outputs for the images that could be read ({@code readable}, in the order given; {@code outputs} null
     * when none could), and the others with their reasons: one bad file in a folder costs only itself.
     */
    public record ReadableBatch(List<Path> readable, ModelOutputs outputs, List<Unreadable> unreadable) {}

    /** As {@link #run}, leaving out, and naming, the images that cannot be read. */
    public ReadableBatch runReadable(List<Path> images) {
        int per = data.channels() * data.height() * data.width();
        List<Path> readable = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        for (Path image : images) {
            try {
                pixels.add(transform.apply(image));
                readable.add(image);
            } catch (Vit4jException | UncheckedIOException e) {
                unreadable.add(new Unreadable(image, e.getMessage()));
            }
        }
        if (readable.isEmpty()) {
            return new ReadableBatch(readable, null, unreadable);
        }
        float[] batch = new float[per * readable.size()];
        for (int i = 0; i < readable.size(); i++) {
            System.arraycopy(pixels.get(i), 0, batch, i * per, per);
        }
        ModelOutputs out =
                engine.run(batch, new long[] {readable.size(), data.channels(), data.height(), data.width()}, false);
        return new ReadableBatch(readable, out, unreadable);
    }

    public List<List<Prediction>> predict(List<Path> images, int k) {
        ModelOutputs out = run(images);
        List<List<Prediction>> result = new ArrayList<>();
        for (float[] logits : out.logits()) {
            result.add(topK(logits, k, labels));
        }
        return result;
    }

    /** Softmax in double (stable: max subtracted), then the k largest, ties by lower index. */
    public static List<Prediction> topK(float[] logits, int k, Labels labels) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        final double total = sum;
        return IntStream.range(0, logits.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i))
                .limit(Math.max(0, Math.min(k, logits.length)))
                .map(i -> new Prediction(i, labels.name(i), p[i] / total, logits[i]))
                .toList();
    }
}
