package dev.vit4j.inference;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.BatchLoader;
import dev.vit4j.data.Dataset;
import dev.vit4j.data.Pipelines;
import dev.vit4j.image.DataConfig;
import dev.vit4j.image.EvalTransform;
import dev.vit4j.image.ImageDecoder;
import dev.vit4j.image.RgbImage;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.text.Tokenizer;
import dev.vit4j.weights.FloatTensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * A loaded model, the engine that runs it and its preprocessing: the one way an image becomes outputs, as DJL's
 * {@code ZooModel} + {@code Translator} + {@code Predictor} and timm's {@code resolve_model_data_config} + eval
 * transform + {@code forward} are. {@code Vit4j}, every command, {@code vit4j serve} and the Spark transformer go
 * through it: an image is {@linkplain #prepare prepared} (decoded, resized and cropped as timm does, normalized),
 * prepared images are {@linkplain #run run} as one batch, and the batch's outputs are split back per image.
 *
 * <p>Thread-safe: preparation holds no state, and both engines take concurrent runs.
 */
public final class ModelPipeline implements AutoCloseable {
    /** An image ready for the model: what the model sees (resized, cropped) and its normalized C × H × W tensor. */
    public record Prepared(RgbImage crop, float[] pixels) {}

    /**
     * One image's outputs: its logits (null without a classifier), timm's pooled pre-logits features and, when asked
     * for, its attention tensors (batch axis dropped; otherwise empty).
     */
    public record ImageOutputs(float[] logits, float[] preLogits, Map<String, FloatTensor> attention) {}

    /** An encoded image with the name errors should call it by (a file name, a Spark row's path). */
    public record EncodedImage(String name, byte[] bytes) {}

    /** What became of one input of {@link #runEach}: its outputs and prepared image, or why it could not be read. */
    public record Outcome(ImageOutputs outputs, Prepared prepared, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    private final LoadedModel model;
    private final InferenceEngine engine;
    private final boolean owning;
    private final DataConfig data;
    private final EvalTransform transform;

    private ModelPipeline(LoadedModel model, InferenceEngine engine, boolean owning) {
        this.model = model;
        this.engine = engine;
        this.owning = owning;
        this.data = model.model().config().resolvedDataConfig();
        this.transform = new EvalTransform(data);
    }

    /**
     * A pipeline that owns {@code model} and a new engine of type {@code engine} ({@code threads} for ONNX Runtime, 0:
     * one per core): {@link #close} frees both; if the engine cannot be made, the model is closed at once.
     */
    public static ModelPipeline open(LoadedModel model, EngineType engine, int threads) {
        return new ModelPipeline(model, engine.createOrCloseModel(model, threads), true);
    }

    /** A pipeline over a model and engine its caller keeps and closes. */
    public static ModelPipeline over(LoadedModel model, InferenceEngine engine) {
        return new ModelPipeline(model, engine, false);
    }

    public LoadedModel model() {
        return model;
    }

    public ModelConfig config() {
        return model.model().config();
    }

    /** The preprocessing every image gets (input size, interpolation, crop, mean, std). */
    public DataConfig dataConfig() {
        return data;
    }

    public Labels labels() {
        return model.labels();
    }

    public InferenceEngine engine() {
        return engine;
    }

    /** timm's eval preprocessing of a decoded image. */
    public Prepared prepare(RgbImage image) {
        RgbImage crop = transform.resizeAndCrop(image);
        return new Prepared(crop, transform.normalize(crop));
    }

    /**
     * An image of any kind the library takes: a {@link Path}, a {@link BufferedImage}, encoded {@code byte[]}, an
     * {@link InputStream} of encoded bytes, or an {@link EncodedImage}; a bad one is a {@link Vit4jException}.
     */
    public Prepared prepare(Object image) {
        return prepare(decode(image));
    }

    /** An encoded image whose size (width × height, from its header) must not exceed {@code maxPixels}. */
    public Prepared prepare(byte[] encoded, String name, long maxPixels) {
        return prepare(ImageDecoder.read(encoded, name, maxPixels));
    }

    private static RgbImage decode(Object image) {
        if (image instanceof Path p) {
            return ImageDecoder.read(p);
        }
        if (image instanceof BufferedImage b) {
            return ImageDecoder.toRgb(b);
        }
        if (image instanceof byte[] bytes) {
            return ImageDecoder.read(bytes, "image (" + bytes.length + " bytes)");
        }
        if (image instanceof EncodedImage e) {
            if (e.bytes() == null) {
                throw new Vit4jException("no image bytes in " + e.name());
            }
            return ImageDecoder.read(e.bytes(), e.name());
        }
        if (image instanceof InputStream in) {
            try {
                return ImageDecoder.read(in.readAllBytes(), "image stream");
            } catch (IOException e) {
                throw new Vit4jException("cannot read the image stream: " + e.getMessage(), e);
            }
        }
        throw new Vit4jException("not an image: "
                + (image == null ? "null" : image.getClass().getName())
                + " (give a Path, BufferedImage, byte[] or InputStream)");
    }

    /**
     * A dataset's examples through this model's eval preprocessing (the dataset kind's own decoding, then timm's eval
     * transform), in order, in batches of {@code batchSize} read by {@code threads} workers; an example that cannot be
     * read is reported to {@code warnings} and left out. Its batches go to {@link #run(float[], int, boolean)}.
     */
    public BatchLoader examples(Dataset dataset, int batchSize, int threads, Consumer<String> warnings) {
        return new BatchLoader(dataset, Pipelines.eval(config(), data), batchSize, inputSize(), threads, warnings);
    }

    /** Prepared images run as one batch, split back per image. */
    public List<ImageOutputs> run(List<Prepared> images, boolean attention) {
        return run(stack(images), images.size(), attention);
    }

    /** Prepared images as one B × C × H × W batch, what {@link #run(float[], int, boolean)} takes. */
    public float[] stack(List<Prepared> images) {
        int per = inputSize();
        float[] batch = new float[per * images.size()];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i).pixels(), 0, batch, i * per, per);
        }
        return batch;
    }

    /**
     * An already preprocessed batch ({@code size} × C × H × W of the model's input, as a data loader makes it) run
     * and split back per image.
     */
    public List<ImageOutputs> run(float[] batch, int size, boolean attention) {
        ModelOutputs out =
                engine.run(batch, new long[] {size, data.channels(), data.height(), data.width()}, attention);
        List<ImageOutputs> images = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Map<String, FloatTensor> mine = Collections.emptyMap();
            if (attention) {
                mine = new LinkedHashMap<>();
                for (Map.Entry<String, FloatTensor> e : out.attention().entrySet()) {
                    mine.put(e.getKey(), e.getValue().select(i));
                }
            }
            images.add(new ImageOutputs(out.logits() == null ? null : out.logits()[i], out.preLogits()[i], mine));
        }
        return images;
    }

    /**
     * Inputs of any kind {@link #prepare(Object)} takes, in batches of {@code batchSize}; the first that cannot be read
     * fails the call.
     */
    public List<ImageOutputs> runAll(List<?> images, int batchSize, boolean attention) {
        List<ImageOutputs> out = new ArrayList<>(images.size());
        for (int from = 0; from < images.size(); from += batchSize) {
            List<Prepared> batch = new ArrayList<>();
            for (Object image : images.subList(from, Math.min(images.size(), from + batchSize))) {
                batch.add(prepare(image));
            }
            out.addAll(run(batch, attention));
        }
        return out;
    }

    /**
     * Inputs run as one batch, each that cannot be read left out and its reason kept: one bad file in a folder costs
     * only itself. Outcomes in input order.
     */
    public List<Outcome> runEach(List<?> inputs, boolean attention) {
        List<Prepared> prepared = new ArrayList<>(inputs.size());
        List<String> errors = new ArrayList<>(inputs.size());
        List<Prepared> readable = new ArrayList<>();
        for (Object input : inputs) {
            try {
                Prepared p = prepare(input);
                prepared.add(p);
                errors.add(null);
                readable.add(p);
            } catch (Vit4jException | UncheckedIOException e) {
                prepared.add(null);
                errors.add(e.getMessage());
            }
        }
        List<ImageOutputs> outputs = readable.isEmpty() ? List.of() : run(readable, attention);
        List<Outcome> outcomes = new ArrayList<>(inputs.size());
        for (int i = 0, next = 0; i < inputs.size(); i++) {
            outcomes.add(
                    errors.get(i) == null
                            ? new Outcome(outputs.get(next++), prepared.get(i), null)
                            : new Outcome(null, null, errors.get(i)));
        }
        return outcomes;
    }

    /** The {@code k} most likely classes, with their labels; refused for a features-only model. */
    public List<Prediction> topK(float[] logits, int k) {
        requireClassifier();
        return topK(logits, k, model.labels());
    }

    /** Refuses a model without classes to rank (features only, or a CLIP projection), before any image is run. */
    public void requireClassifier() {
        if (config().numClasses == 0) {
            throw new Vit4jException(config().name + " has no classifier (features only): use embed");
        }
        if (!config().hasClassifier()) {
            throw new Vit4jException(
                    config().name + "'s head is an embedding projection (CLIP's image embedding), not a"
                            + " classifier: use embed, with the head's output");
        }
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

    /** Whether the model has a text tower (CLIP, SigLIP): text embeddings and zero-shot classification. */
    public boolean hasText() {
        return model.text() != null;
    }

    /** Refuses a model without a text tower, before any text is read. */
    public void requireText() {
        if (!hasText()) {
            throw new Vit4jException(config().name + " has no text tower: text embeddings and zero-shot"
                    + " classification need a two-tower model (CLIP or SigLIP, e.g. an open_clip directory)");
        }
    }

    /** The text tower's tokenizer (its context length, its ids); null for an image model. */
    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    /**
     * Texts to embeddings in the joint image–text space (open_clip's {@code encode_text}; L2-normalised with {@code
     * normalize}, as {@code normalize=True}), in batches of {@code batchSize}, in order.
     */
    public List<float[]> embedTexts(List<String> texts, int batchSize, boolean normalize) {
        return embedTexts(texts, batchSize, normalize, done -> {});
    }

    /** As {@link #embedTexts(List, int, boolean)}, telling {@code progress} how many texts are done after each batch. */
    public List<float[]> embedTexts(
            List<String> texts, int batchSize, boolean normalize, java.util.function.IntConsumer progress) {
        requireText();
        if (batchSize < 1) {
            throw Vit4jException.naming("{batchSize} must be at least 1");
        }
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += batchSize) {
            List<int[]> batch = new ArrayList<>();
            for (String text : texts.subList(from, Math.min(texts.size(), from + batchSize))) {
                batch.add(tokenize(text));
            }
            for (float[] e : runTokens(batch)) {
                out.add(normalize ? ZeroShotClassifier.normalize(e) : e);
            }
            progress.accept(out.size());
        }
        return out;
    }

    /** A text's token ids, as many as the text tower's context (the text prepared, as an image is by {@link #prepare}). */
    public int[] tokenize(String text) {
        requireText();
        return model.tokenizer().encode(text);
    }

    /** Tokenized texts ({@link #tokenize}) run as one batch: their embeddings in the joint space, not normalized. */
    public List<float[]> runTokens(List<int[]> batch) {
        requireText();
        int context = model.tokenizer().contextLength();
        int tokens = 1;
        for (int[] row : batch) {
            if (row.length != context) {
                throw new Vit4jException("token ids of " + row.length + " values; the text tower takes " + context);
            }
            tokens = Math.max(tokens, model.text().tokensNeeded(row));
        }
        long[] ids = new long[batch.size() * tokens];
        for (int i = 0; i < batch.size(); i++) {
            for (int t = 0; t < tokens; t++) {
                ids[i * tokens + t] = batch.get(i)[t];
            }
        }
        return List.of(engine.runText(ids, batch.size()));
    }

    /** An image's embedding in the joint space (open_clip's {@code encode_image}): the head's output, or the features. */
    public float[] imageEmbedding(ImageOutputs outputs) {
        return new Embedding(Embedding.Output.HEAD, false).of(outputs);
    }

    /**
     * A zero-shot classifier into {@code labels}, each prompted with every one of {@code templates} ('{}' marks the
     * label). Label embeddings are computed once per labels and templates and kept (the last few sets).
     */
    public ZeroShotClassifier zeroShot(List<String> labels, List<String> templates) {
        return zeroShot(labels, templates, done -> {});
    }

    /**
     * As {@link #zeroShot(List, List)}, telling {@code progress} how many prompts (labels × templates) are embedded
     * when the label embeddings have to be computed.
     */
    public ZeroShotClassifier zeroShot(
            List<String> labels, List<String> templates, java.util.function.IntConsumer progress) {
        return zeroShotEmbeddedBy(labels, templates, prompts -> embedTexts(prompts, TEXT_BATCH, true, progress));
    }

    /**
     * As {@link #zeroShot(List, List)}, the prompts embedded (normalized, in order) by {@code embedder}: a server's
     * text batcher, with its deadlines. The classifier is cached as the others are.
     */
    public ZeroShotClassifier zeroShotEmbeddedBy(
            List<String> labels,
            List<String> templates,
            java.util.function.Function<List<String>, List<float[]>> embedder) {
        requireText();
        ZeroShotClassifier.check(labels, templates);
        List<List<String>> key = List.of(List.copyOf(labels), List.copyOf(templates));
        synchronized (classifiers) {
            ZeroShotClassifier cached = classifiers.get(key);
            if (cached != null) {
                return cached;
            }
        }
        ZeroShotClassifier built = ZeroShotClassifier.build(model.text(), labels, templates, embedder);
        synchronized (classifiers) {
            classifiers.put(key, built);
        }
        return built;
    }

    /** Prompts embedded per engine run while label embeddings are built. */
    private static final int TEXT_BATCH = 64;

    private final Map<List<List<String>>, ZeroShotClassifier> classifiers = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<List<String>>, ZeroShotClassifier> eldest) {
            return size() > 8;
        }
    };

    /** C × H × W of one image. */
    public int inputSize() {
        return data.channels() * data.height() * data.width();
    }

    /** Closes the engine and the model if this pipeline owns them ({@link #open}); nothing otherwise. */
    @Override
    public void close() {
        if (owning) {
            try {
                engine.close();
            } finally {
                model.close();
            }
        }
    }
}
