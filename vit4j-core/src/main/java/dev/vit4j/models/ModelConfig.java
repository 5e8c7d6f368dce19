package dev.vit4j.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vit4j.Vit4jException;

/**
 * Everything needed to build a ViT or CaiT, with timm's argument names (the JSON form is snake_case, the
 * same keys as the fixtures' {@code config.json}). Registry entries fill it in code; custom models come
 * from a JSON file.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ModelConfig {
    /** "vit", "cait" or "perceiver". */
    public String arch;

    public String name;
    /** Height, width. */
    public int[] imgSize = {224, 224};

    public int inChans = 3;
    public int numClasses = 1000;
    public int patchSize = 16;
    public int embedDim = 768;
    public int depth = 12;
    public int numHeads = 12;
    public double mlpRatio = 4.0;
    public boolean qkvBias = true;
    /** ViT: whether a class token is prepended (CaiT always has one, added after the SA blocks). */
    public boolean classToken = true;
    /** "token" or "avg". */
    public String globalPool = "token";
    /** ViT: null picks timm's default (a final LayerNorm after pooling only for avg pooling). */
    public Boolean fcNorm;
    /** "learned", "sinusoidal" (the fixed table of "Attention Is All You Need") or, for the Perceiver, "fourier" (the paper's features). */
    public String posEmbed = "learned";
    /** LayerScale initial value; null = no LayerScale (plain ViT). CaiT always has one. */
    public Double initValues;

    public int depthTokenOnly = 2;
    /**
     * CaiT: initial head mixes of talking-heads attention. "timm" (near zero, as timm) or "identity"
     * (identity plus noise: starts as plain multi-head attention; faster for small models from scratch).
     * Only matters when training from scratch.
     */
    public String talkingHeadsInit = "timm";

    public double mlpRatioTokenOnly = 4.0;
    public double layerNormEps = 1e-6;
    public double dropRate;
    public double attnDropRate;
    public double dropPathRate;
    /** "linear" (rate grows with depth, as ViT) or "uniform" (every block the same, as CaiT). */
    public String dropPathSchedule;
    /** Perceiver: rows of the latent array (its width is {@code embed_dim}). */
    public int numLatents = 256;
    /** Perceiver: repetitions of cross-attention → latent transformer ({@code depth} blocks). */
    public int numIterations = 2;
    /** Perceiver: heads of the cross-attention (1 = Keras' Perceiver example). */
    public int crossHeads = 1;
    /**
     * Perceiver: true = every iteration uses the same weights (Keras' example); false = the first iteration has its
     * own, the later ones share a second set (the paper's option).
     */
    public boolean shareWeights = true;
    /** Perceiver with {@code pos_embed} "fourier": frequency bands per axis. */
    public int fourierBands = 16;
    /** Perceiver with Fourier features: the maximum resolution μ per axis (rows, cols); null = the patch grid. */
    public int[] fourierMaxResolution;
    /** Preprocessing; null derives a default from the image size. */
    public DataConfig dataConfig;
    /** Class names, index order; null = ImageNet-1k names for 1000 classes, else the indices. */
    public java.util.List<String> labels;

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

    public boolean isCait() {
        return "cait".equals(arch);
    }

    public boolean isPerceiver() {
        return "perceiver".equals(arch);
    }

    /** Tokens before the patches: the class token (CaiT's is added later but is still a prefix). */
    public int prefixTokens() {
        if (isPerceiver()) {
            return 0;
        }
        return isCait() || classToken ? 1 : 0;
    }

    /** Rows of {@code pos_embed} before the grid: ViT's table covers its class token, CaiT's does not. */
    public int positionPrefixTokens() {
        return isCait() ? 0 : prefixTokens();
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
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** Refuses configurations that cannot be built, with the reason. */
    public ModelConfig validate() {
        String what = name == null ? "model config" : name;
        if (!"vit".equals(arch) && !"cait".equals(arch) && !isPerceiver()) {
            throw new Vit4jException(what + ": arch must be \"vit\", \"cait\" or \"perceiver\", not " + arch);
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
                || mlpRatio > 64
                || depthTokenOnly > 4096
                || mlpRatioTokenOnly > 64
                || numLatents > 65536
                || numIterations > 4096
                || fourierBands > 4096) {
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
        if (!"token".equals(globalPool) && !"avg".equals(globalPool)) {
            throw new Vit4jException(what + ": global_pool must be \"token\" or \"avg\", not " + globalPool);
        }
        if ("token".equals(globalPool) && prefixTokens() == 0 && !isPerceiver()) {
            throw new Vit4jException(what + ": global_pool \"token\" needs a class token");
        }
        if (!"learned".equals(posEmbed)
                && !"sinusoidal".equals(posEmbed)
                && !(isPerceiver() && "fourier".equals(posEmbed))) {
            throw new Vit4jException(what + ": pos_embed must be \"learned\" or \"sinusoidal\""
                    + (isPerceiver() ? " or \"fourier\"" : "") + ", not " + posEmbed);
        }
        if (isPerceiver()) {
            if (numLatents <= 0 || numIterations <= 0 || depth < 0) {
                throw new Vit4jException(what + ": num_latents and num_iterations must be positive");
            }
            if (crossHeads <= 0 || embedDim % crossHeads != 0) {
                throw new Vit4jException(
                        what + ": embed_dim " + embedDim + " is not divisible by cross_heads " + crossHeads);
            }
            if ("fourier".equals(posEmbed)
                    && (fourierBands <= 0
                            || fourierMaxResolution != null
                                    && (fourierMaxResolution.length != 2
                                            || fourierMaxResolution[0] <= 0
                                            || fourierMaxResolution[1] <= 0))) {
                throw new Vit4jException(
                        what + ": fourier_bands must be positive and fourier_max_resolution [rows, cols]");
            }
        }
        if (isCait() && (initValues == null || depthTokenOnly < 0)) {
            throw new Vit4jException(what + ": CaiT needs init_values and depth_token_only");
        }
        if (!"timm".equals(talkingHeadsInit) && !"identity".equals(talkingHeadsInit)) {
            throw new Vit4jException(what + ": talking_heads_init must be \"timm\" or \"identity\"");
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
        return this;
    }

    /** Stochastic-depth rate of SA block {@code i} of {@code n}. */
    public float dropPathAt(int i, int n) {
        String schedule = dropPathSchedule != null ? dropPathSchedule : isCait() ? "uniform" : "linear";
        if ("uniform".equals(schedule) || n <= 1) {
            return (float) ("uniform".equals(schedule) ? dropPathRate : 0.0);
        }
        return (float) (dropPathRate * i / (n - 1));
    }

    public ModelConfig copy() {
        return Configs.copy(this);
    }
}
