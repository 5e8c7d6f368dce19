package dev.vit4j.inference;

import ai.djl.ndarray.NDManager;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.TextConfig;
import dev.vit4j.models.TextModel;
import dev.vit4j.models.VisionModel;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.text.Tokenizer;
import dev.vit4j.text.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A model with its weights, ready to run, owning the native memory of its parameters. {@code -w} is a
 * {@code .safetensors} file (the architecture comes from {@code -m}), a directory holding
 * {@code config.json} (vit4j's or Hugging Face's) and {@code model.safetensors}, or a {@code vit4j train}
 * output directory (its {@code best/} checkpoint).
 */
public final class LoadedModel implements AutoCloseable {
    private final NDManager manager;
    private final VisionModel model;
    private final Labels labels;
    private final TextModel text;
    private final Tokenizer tokenizer;

    private LoadedModel(NDManager manager, VisionModel model, Labels labels, TextModel text, Tokenizer tokenizer) {
        this.manager = manager;
        this.model = model;
        this.labels = labels;
        this.text = text;
        this.tokenizer = tokenizer;
    }

    /**
     * A config, the weights file to read into it and the directory it came from (where a two-tower model's tokenizer
     * files are; null for a bare weights file).
     */
    public record Source(ModelConfig config, Path file, Path directory) {
        public Source(ModelConfig config, Path file) {
            this(config, file, null);
        }
    }

    public static LoadedModel load(String arch, Path weights) {
        Source s = locate(arch, weights);
        return load(s.config(), s.file(), s.directory());
    }

    /**
     * What {@link #load(String, Path)} would read: the config ({@code arch}, or a model directory's config.json) and
     * the weights file (a directory's model.safetensors or pytorch_model.bin, a training run's best checkpoint).
     */
    public static Source locate(String arch, Path weights) {
        if (!Files.exists(weights)) {
            throw new Vit4jException("weights file not found: " + weights);
        }
        Path file = weights;
        ModelConfig config;
        if (Files.isDirectory(weights)
                && !Files.exists(weights.resolve("model.safetensors"))
                && Files.isRegularFile(weights.resolve("best/model.safetensors"))) {
            // A `vit4j train` output directory: its best checkpoint.
            return locate(arch, weights.resolve("best"));
        }
        if (Files.isDirectory(weights)) {
            file = weightsIn(weights);
            Path cfg = weights.resolve("config.json");
            if (arch != null) {
                config = ModelRegistry.defaults().config(arch);
            } else if (Files.isRegularFile(weights.resolve("open_clip_config.json"))) {
                config = Configs.readOpenClip(weights);
            } else if (Files.isRegularFile(cfg)) {
                config = Configs.read(cfg);
            } else {
                throw Vit4jException.naming(
                        "%s holds no config.json: pass {architecture} (a registered name or a config .json)", weights);
            }
        } else {
            config = arch != null ? ModelRegistry.defaults().config(arch) : Configs.fromCheckpoint(weights);
            if (config == null) {
                throw Vit4jException.naming(
                        "a weights file names no architecture: pass {architecture} (a registered name or a config .json)");
            }
        }
        if (!Files.exists(file)) {
            throw new Vit4jException("weights file not found: " + file);
        }
        return new Source(config, file, Files.isDirectory(weights) ? weights : null);
    }

    /**
     * The weights file of a model directory: vit4j's or Hugging Face's {@code model.safetensors}, or a Hugging Face
     * directory's {@code pytorch_model.bin}; a directory without one is named with what it holds.
     */
    public static Path weightsIn(Path dir) {
        for (String name : new String[] {
            "model.safetensors", "pytorch_model.bin", "open_clip_model.safetensors", "open_clip_pytorch_model.bin"
        }) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        List<String> held;
        try (Stream<Path> list = Files.list(dir)) {
            held = list.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : ""))
                    .sorted()
                    .limit(8)
                    .toList();
        } catch (IOException e) {
            throw new Vit4jException("cannot list " + dir + ": " + e.getMessage());
        }
        throw new Vit4jException(dir + " holds no weights (model.safetensors or pytorch_model.bin, or a vit4j train"
                + " run's best/): " + (held.isEmpty() ? "it is empty" : "it has " + String.join(", ", held)));
    }

    /** An architecture and a weights file in any format {@link dev.vit4j.weights.WeightFiles} reads. */
    public static LoadedModel load(ModelConfig config, Path file) {
        return load(config, file, null);
    }

    /**
     * As {@link #load(ModelConfig, Path)}; a two-tower model ({@link ModelConfig#text}) also reads its text tower from
     * {@code file} and its tokenizer (from {@code directory} when it is not open_clip's bundled one).
     */
    public static LoadedModel load(ModelConfig config, Path file, Path directory) {
        NDManager manager = Engine.newManager();
        try {
            VisionModel model = ModelRegistry.build(config);
            Tokenizer tokenizer = tokenizer(config, directory);
            WeightLoader.load(model, file, manager);
            TextModel text = null;
            if (config.text != null) {
                text = ModelRegistry.buildText(config.text);
                WeightLoader.loadText(text, file, manager, config.name);
            }
            return new LoadedModel(
                    manager, model, Labels.forClasses(model.outputSize(), config.labels), text, tokenizer);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static Tokenizer tokenizer(ModelConfig config, Path directory) {
        TextConfig t = config.text;
        return t == null ? null : Tokenizers.forModel(t.tokenizer, t.clean, t.contextLength, directory);
    }

    /** A model with freshly initialized (random, seeded) weights. */
    public static LoadedModel initialized(ModelConfig config, long seed) {
        return initialized(config, seed, null);
    }

    /** As {@link #initialized(ModelConfig, long)}, a two-tower model's tokenizer read from {@code directory}. */
    public static LoadedModel initialized(ModelConfig config, long seed, Path directory) {
        NDManager manager = Engine.newManager();
        try {
            VisionModel model = ModelRegistry.build(config);
            model.initialize(manager, seed);
            TextModel text = null;
            if (config.text != null) {
                text = ModelRegistry.buildText(config.text);
                text.initialize(manager, seed + 1);
            }
            return new LoadedModel(
                    manager,
                    model,
                    Labels.forClasses(model.outputSize(), config.labels),
                    text,
                    tokenizer(config, directory));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The text tower of a two-tower model (CLIP, SigLIP); null for an image model. */
    public TextModel text() {
        return text;
    }

    /** The text tower's tokenizer; null for an image model. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public VisionModel model() {
        return model;
    }

    public NDManager manager() {
        return manager;
    }

    public Labels labels() {
        return labels;
    }

    @Override
    public void close() {
        manager.close();
    }
}
