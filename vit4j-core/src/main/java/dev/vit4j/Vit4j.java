package dev.vit4j;

import dev.vit4j.hub.HubClient;
import dev.vit4j.hub.HubModels;
import dev.vit4j.hub.HubSettings;
import dev.vit4j.image.DataConfig;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.Labels;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.text.Prompts;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * vit4j as a library, in one line:
 * <pre>{@code
 * try (Vit4j model = Vit4j.load("timm/deit_tiny_patch16_224.fb_in1k")) {
 *     List<Prediction> top5 = model.predict(image, 5);
 *     float[] embedding = model.embed(image);
 * }
 * }</pre>
 * {@code load} takes a Hub name ({@code timm/NAME.TAG}, {@code hf-hub:timm/...}, a transformers ViT repository such
 * as {@code google/vit-base-patch16-224}, with {@code @REVISION} if wanted), a registered architecture (timm's
 * default pretrained tag), or a model directory. Images are {@link Path}s, {@link BufferedImage}s, encoded
 * {@code byte[]}s or {@link InputStream}s, preprocessed exactly as timm (or transformers, for its checkpoints) does.
 * Instances are thread-safe: concurrent callers share one ONNX Runtime session; lists are run as batches.
 *
 * <p>A two-tower model (CLIP, SigLIP: an open_clip directory or {@code hf-hub:} repository) also embeds texts into
 * the images' space and classifies zero-shot:
 * <pre>{@code
 * try (Vit4j clip = Vit4j.load("hf-hub:timm/ViT-B-16-SigLIP")) {
 *     float[] text = clip.embedText("a photo of a cat");
 *     List<Prediction> best = clip.zeroShot(image, List.of("cat", "dog", "car"), 1);
 * }
 * }</pre>
 */
public final class Vit4j implements AutoCloseable {
    /**
     * How to run: {@code engine} {@link EngineType#ONNX} (ONNX Runtime, the fast default), {@link EngineType#ONNX_INT8}
     * (the same on int8 weights: 1.3–1.9× faster, logits within a few hundredths) or {@link EngineType#TORCH}
     * (PyTorch through DJL);
     * {@code threads} for ONNX Runtime (0: every core); {@code batchSize} for lists; {@code hub} where the Hub and
     * its cache are (default: the environment, as huggingface_hub reads it).
     */
    public record Options(EngineType engine, int threads, int batchSize, HubSettings hub) {
        public static Options defaults() {
            return new Options(EngineType.ONNX, 0, 32, HubSettings.fromEnvironment());
        }

        public Options withEngine(EngineType e) {
            return new Options(e, threads, batchSize, hub);
        }

        public Options withThreads(int t) {
            return new Options(engine, t, batchSize, hub);
        }

        public Options withHub(HubSettings h) {
            return new Options(engine, threads, batchSize, h);
        }
    }

    private final ModelPipeline pipeline;
    private final Options options;

    private Vit4j(LoadedModel model, Options options) {
        this.pipeline = ModelPipeline.open(model, options.engine(), options.threads());
        this.options = options;
    }

    public static Vit4j load(String model) {
        return load(model, Options.defaults());
    }

    public static Vit4j load(String model, Options options) {
        return new Vit4j(HubModels.open(model, new HubClient(options.hub())), options);
    }

    /**
     * An architecture (registered name or config .json; null for a model directory, which holds its config) and a
     * weights file in any format vit4j reads, or a model directory.
     */
    public static Vit4j load(String architecture, Path weights) {
        return load(architecture, weights, Options.defaults());
    }

    /** As {@link #load(String, Path)}, with the engine, threads, batch size and Hub settings of {@code options}. */
    public static Vit4j load(String architecture, Path weights, Options options) {
        return new Vit4j(LoadedModel.load(architecture, weights), options);
    }

    public String name() {
        return pipeline.config().name;
    }

    /** The class names, index by index (empty for a features-only model). */
    public List<String> labels() {
        Labels l = pipeline.labels();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < numClasses(); i++) {
            out.add(l.name(i));
        }
        return out;
    }

    public int numClasses() {
        return pipeline.config().numClasses;
    }

    public int embeddingSize() {
        return pipeline.config().embedDim;
    }

    /** The preprocessing applied to every image (input size, interpolation, crop, mean, std). */
    public DataConfig dataConfig() {
        return pipeline.dataConfig();
    }

    public List<Prediction> predict(Path image, int k) {
        return predictAll(List.of(image), k).get(0);
    }

    public List<Prediction> predict(BufferedImage image, int k) {
        return predictAll(List.of(image), k).get(0);
    }

    public List<Prediction> predict(byte[] encodedImage, int k) {
        return predictAll(List.of(encodedImage), k).get(0);
    }

    public List<Prediction> predict(InputStream encodedImage, int k) {
        return predictAll(List.of(encodedImage), k).get(0);
    }

    /** The top {@code k} classes of each image, run in batches; images of any of the accepted kinds. */
    public List<List<Prediction>> predictAll(List<?> images, int k) {
        pipeline.requireClassifier();
        List<List<Prediction>> out = new ArrayList<>();
        for (ModelPipeline.ImageOutputs o : pipeline.runAll(images, options.batchSize(), false)) {
            out.add(pipeline.topK(o.logits(), k));
        }
        return out;
    }

    /** timm's {@code forward_head(x, pre_logits=True)}: the pooled, normed features before the classifier. */
    public float[] embed(Path image) {
        return embedAll(List.of(image)).get(0);
    }

    public float[] embed(BufferedImage image) {
        return embedAll(List.of(image)).get(0);
    }

    public float[] embed(byte[] encodedImage) {
        return embedAll(List.of(encodedImage)).get(0);
    }

    public float[] embed(InputStream encodedImage) {
        return embedAll(List.of(encodedImage)).get(0);
    }

    public List<float[]> embedAll(List<?> images) {
        return embedAll(images, Embedding.DEFAULT);
    }

    /**
     * The embeddings {@code embedding} chooses: timm's pre-logits or the head's output (a CLIP tower's joint-space
     * embedding), L2-normalised or not.
     */
    public List<float[]> embedAll(List<?> images, Embedding embedding) {
        return pipeline.runAll(images, options.batchSize(), false).stream()
                .map(embedding::of)
                .toList();
    }

    /** Whether this is a two-tower model (CLIP, SigLIP) that embeds texts and classifies zero-shot. */
    public boolean hasText() {
        return pipeline.hasText();
    }

    /** A text's embedding in the joint image–text space, as open_clip's {@code encode_text} (not normalized). */
    public float[] embedText(String text) {
        return embedTexts(List.of(text), false).get(0);
    }

    /**
     * Texts' embeddings in the joint space, run in batches, L2-normalised with {@code normalize} (open_clip's {@code
     * normalize=True}, what cosine similarity wants).
     */
    public List<float[]> embedTexts(List<String> texts, boolean normalize) {
        return pipeline.embedTexts(texts, options.batchSize(), normalize);
    }

    /** The template open_clip's README prompts labels with, used where none is given. */
    public static final String DEFAULT_TEMPLATE = Prompts.DEFAULT_TEMPLATE;

    /**
     * The {@code k} most likely of {@code labels} for an image, each label prompted as {@value #DEFAULT_TEMPLATE}:
     * CLIP's probabilities are a softmax over the labels, SigLIP's independent sigmoids.
     */
    public List<Prediction> zeroShot(Object image, List<String> labels, int k) {
        return zeroShotAll(List.of(image), labels, List.of(DEFAULT_TEMPLATE), k).get(0);
    }

    /**
     * Zero-shot classification of images (any kind {@link #predictAll} takes) into {@code labels}, each label's
     * embedding the mean over {@code templates} ('{}' marks the label; {@link dev.vit4j.text.Prompts} has OpenAI's
     * 80). The label embeddings are computed once per labels and templates and kept for the next call.
     */
    public List<List<Prediction>> zeroShotAll(List<?> images, List<String> labels, List<String> templates, int k) {
        ZeroShotClassifier classifier = zeroShotClassifier(labels, templates);
        List<List<Prediction>> out = new ArrayList<>();
        for (ModelPipeline.ImageOutputs o : pipeline.runAll(images, options.batchSize(), false)) {
            out.add(classifier.classify(pipeline.imageEmbedding(o), k));
        }
        return out;
    }

    /** The classifier {@link #zeroShotAll} uses, for scoring embeddings computed elsewhere. */
    public ZeroShotClassifier zeroShotClassifier(List<String> labels, List<String> templates) {
        return pipeline.zeroShot(labels, templates);
    }

    @Override
    public void close() {
        pipeline.close();
    }
}
