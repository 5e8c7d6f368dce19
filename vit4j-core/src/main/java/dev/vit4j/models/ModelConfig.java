package dev.vit4j.models;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to build a model, with timm's argument names (the JSON form is snake_case, the same keys as
 * the fixtures' {@code config.json}): the keys every family reads are fields here; the keys one family alone reads
 * (CaiT's {@code depth_token_only}, the Perceiver's {@code num_latents}, ...) are that family's typed options
 * ({@link #options}), kept in the same flat JSON object as timm keeps them in one keyword list. Registry entries
 * fill it in code; custom models come from a JSON file.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ModelConfig {
    /** The family ({@link ModelFamily#arch()}): "vit", "cait", "perceiver". */
    public String arch;

    public String name;
    /** Height, width; one number (as timm takes it) is a square. */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    public int[] imgSize = {224, 224};

    public int inChans = 3;
    public int numClasses = 1000;
    /**
     * What the head's {@code num_classes} outputs are: {@value #CLASSIFIER} (logits over classes), or
     * {@value #PROJECTION} (an embedding projection — a CLIP tower's into the joint image–text space — with no classes
     * to rank). Null is a classifier.
     */
    public String head;

    public static final String CLASSIFIER = "classifier";
    public static final String PROJECTION = "projection";
    public int patchSize = 16;
    public int embedDim = 768;
    public int depth = 12;
    public int numHeads = 12;
    public double mlpRatio = 4.0;
    public boolean qkvBias = true;
    /** ViT: whether a class token is prepended (CaiT always has one, added after its self-attention blocks). */
    public boolean classToken = true;
    /** "token", "avg" or, for a ViT, "map" (attention pooling with a latent query, SigLIP's). */
    public String globalPool = "token";
    /** ViT: null picks timm's default (a final LayerNorm after pooling only for avg pooling). */
    public Boolean fcNorm;
    /**
     * "learned", "sinusoidal" (the fixed table of "Attention Is All You Need") or, for the Perceiver, "fourier" (the
     * paper's features).
     */
    public String posEmbed = "learned";
    /** LayerScale initial value; null = no LayerScale (plain ViT). CaiT always has one. */
    public Double initValues;

    public double layerNormEps = 1e-6;
    public double dropRate;
    public double attnDropRate;
    public double dropPathRate;
    /** "linear" (rate grows with depth, as ViT) or "uniform" (every block the same); null = the family's default. */
    public String dropPathSchedule;
    /** Preprocessing; null derives a default from the image size. */
    public DataConfig dataConfig;
    /** Class names, index order; null = ImageNet-1k names for 1000 classes, else the indices. */
    public List<String> labels;
    /**
     * A two-tower model's text tower (CLIP, SigLIP): this config's image tower and it embed images and texts into one
     * space; null for an image model.
     */
    public TextConfig text;

    private final Map<String, JsonNode> familyKeys = new LinkedHashMap<>();

    public int height() {
        return imgSize[0];
    }

    public int width() {
        return imgSize.length > 1 ? imgSize[1] : imgSize[0];
    }

    public int gridHeight() {
        return height() / patchSize;
    }

    public int gridWidth() {
        return width() / patchSize;
    }

    /** Whether the head's outputs are classes to rank (not features only, not a projection). */
    public boolean hasClassifier() {
        return numClasses > 0 && !PROJECTION.equals(head);
    }

    /** The family that builds and describes this config, by its {@code arch}. */
    public ModelFamily family() {
        return ModelRegistry.family(arch);
    }

    /** Tokens before the patches (a class token), as the family lays them out. */
    public int prefixTokens() {
        return family().prefixTokens(this);
    }

    /** Rows of {@code pos_embed} before the grid. */
    public int positionPrefixTokens() {
        return family().positionPrefixTokens(this);
    }

    /** The attention maps the family's models record. */
    public AttentionLayout attentionLayout() {
        return family().attention(this);
    }

    /**
     * One family's typed options: {@code defaults} with the keys of this config that name its components (snake_case)
     * put in. A value of the wrong kind is refused with the key's name.
     */
    public <T extends Record> T options(Class<T> type, T defaults) {
        ObjectNode tree = Configs.JSON.valueToTree(defaults);
        List<String> names = new ArrayList<>();
        tree.fieldNames().forEachRemaining(names::add);
        for (String key : names) {
            JsonNode given = familyKeys.get(key);
            if (given != null) {
                tree.set(key, given);
            }
        }
        try {
            return Configs.JSON.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new Vit4jException((name == null ? "model config" : name) + ": " + Configs.firstLine(e.getMessage()));
        }
    }

    /** Sets a family's typed options (its keys, all of them). */
    public ModelConfig withOptions(Record options) {
        ObjectNode tree = Configs.JSON.valueToTree(options);
        tree.fields().forEachRemaining(e -> familyKeys.put(e.getKey(), e.getValue()));
        return this;
    }

    @JsonAnySetter
    void familyKey(String key, JsonNode value) {
        familyKeys.put(key, value);
    }

    /** Written back as the family reads them (defaults included); keys no family reads are not kept. */
    @JsonAnyGetter
    Map<String, JsonNode> familyKeysAsJson() {
        ModelFamily f = ModelRegistry.familyOrNull(arch);
        Record options = f == null ? null : f.options(this);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (options != null) {
            Configs.JSON
                    .<ObjectNode>valueToTree(options)
                    .fields()
                    .forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        }
        return out;
    }

    public DataConfig resolvedDataConfig() {
        if (dataConfig != null) {
            return dataConfig;
        }
        double[] mean = inChans == 3 ? DataConfig.IMAGENET_MEAN : fill(inChans, 0.5);
        double[] std = inChans == 3 ? DataConfig.IMAGENET_STD : fill(inChans, 0.5);
        return new DataConfig(new int[] {inChans, height(), width()}, "bicubic", 0.875, mean, std);
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Refuses configurations that cannot be built, with the reason. */
    public ModelConfig validate() {
        String what = name == null ? "model config" : name;
        ModelFamily family = ModelRegistry.familyOrNull(arch);
        if (family == null) {
            throw new Vit4jException(what + ": arch must be one of " + ModelRegistry.families() + ", not " + arch);
        }
        if (imgSize == null || imgSize.length < 1 || imgSize.length > 2 || height() <= 0 || width() <= 0) {
            throw new Vit4jException(what + ": img_size must be [height, width] with positive values");
        }
        // Sanity limits far above any published model: a hostile or mistyped config is refused here rather than
        // exhausting memory while the model is built.
        if (height() > 16384
                || width() > 16384
                || embedDim > 65536
                || depth > 4096
                || numHeads > 65536
                || inChans > 4096
                || numClasses > 1 << 20
                || mlpRatio > 64) {
            throw new Vit4jException(
                    what + ": sizes beyond vit4j's limits (image ≤ 16384², embed_dim ≤ 65536, depth ≤ 4096,"
                            + " mlp_ratio ≤ 64, num_classes ≤ 2²⁰)");
        }
        if (patchSize <= 0 || height() % patchSize != 0 || width() % patchSize != 0) {
            throw new Vit4jException(what + ": image size " + height() + "×" + width()
                    + " is not divisible by the patch size " + patchSize);
        }
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            throw new Vit4jException(what + ": embed_dim " + embedDim + " is not divisible by num_heads " + numHeads);
        }
        if (depth < 0 || inChans <= 0 || numClasses < 0 || mlpRatio <= 0) {
            throw new Vit4jException(what + ": depth, in_chans, num_classes and mlp_ratio must be positive");
        }
        if (!"token".equals(globalPool) && !"avg".equals(globalPool) && !"map".equals(globalPool)) {
            throw new Vit4jException(what + ": global_pool must be \"token\", \"avg\" or \"map\", not " + globalPool);
        }
        if (head != null && !CLASSIFIER.equals(head) && !PROJECTION.equals(head)) {
            throw new Vit4jException(what + ": head must be \"classifier\" or \"projection\", not " + head);
        }
        if (dropPathSchedule != null && !"linear".equals(dropPathSchedule) && !"uniform".equals(dropPathSchedule)) {
            throw new Vit4jException(what + ": drop_path_schedule must be \"linear\" or \"uniform\"");
        }
        if (dataConfig != null
                && (dataConfig.mean() == null
                        || dataConfig.std() == null
                        || dataConfig.mean().length != inChans
                        || dataConfig.std().length != inChans)) {
            throw new Vit4jException(what + ": data_config mean and std need one value per input channel");
        }
        if (text != null) {
            text.validate(what);
        }
        family.validate(this, what);
        return this;
    }

    /** Stochastic-depth rate of SA block {@code i} of {@code n}. */
    public float dropPathAt(int i, int n) {
        String schedule = dropPathSchedule != null ? dropPathSchedule : family().dropPathSchedule();
        if ("uniform".equals(schedule) || n <= 1) {
            return (float) ("uniform".equals(schedule) ? dropPathRate : 0.0);
        }
        return (float) (dropPathRate * i / (n - 1));
    }

    /**
     * This model at another input size (timm's {@code img_size=}: e.g. DINOv2, made at 518, run at 224): a copy whose
     * image size and data config's input size are {@code height} × {@code width}; the position table is resampled when
     * the weights are read, as timm's {@code resample_abs_pos_embed} does.
     */
    public ModelConfig atImageSize(int height, int width) {
        ModelConfig c = copy();
        DataConfig d = resolvedDataConfig();
        c.imgSize = new int[] {height, width};
        c.dataConfig = new DataConfig(
                new int[] {d.channels(), height, width},
                d.interpolation(),
                d.cropPct(),
                d.cropMode(),
                d.resizeSize(),
                d.mean(),
                d.std());
        return c.validate();
    }

    public ModelConfig copy() {
        return Configs.copy(this);
    }
}
