package dev.vit4j.models.perceiver;

import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import dev.vit4j.models.AttentionLayout;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelFamily;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.VisionModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The Perceiver family (Keras' example "Image classification with Perceiver"; Jaegle et al. 2021): {@link Perceiver}
 * with its options ({@link PerceiverOptions}), its registered models, its cost and its cross-attention maps.
 */
public final class PerceiverFamily implements ModelFamily {
    public static final String ARCH = "perceiver";

    private PerceiverFamily() {}

    @Override
    public String arch() {
        return ARCH;
    }

    @Override
    public VisionModel build(ModelConfig config) {
        return new Perceiver(config);
    }

    @Override
    public PerceiverOptions options(ModelConfig config) {
        return PerceiverOptions.of(config);
    }

    @Override
    public void validate(ModelConfig c, String what) {
        if ("map".equals(c.globalPool)) {
            throw new Vit4jException(
                    what + ": global_pool \"map\" is a ViT's; the Perceiver pools with \"token\" or \"avg\"");
        }
        PerceiverOptions o = options(c);
        if (o.numLatents() <= 0 || o.numIterations() <= 0) {
            throw new Vit4jException(what + ": num_latents and num_iterations must be positive");
        }
        if (o.numLatents() > 65536 || o.numIterations() > 4096 || o.fourierBands() > 4096) {
            throw new Vit4jException(what + ": num_latents ≤ 65536, num_iterations ≤ 4096, fourier_bands ≤ 4096");
        }
        if (o.crossHeads() <= 0 || c.embedDim % o.crossHeads() != 0) {
            throw new Vit4jException(
                    what + ": embed_dim " + c.embedDim + " is not divisible by cross_heads " + o.crossHeads());
        }
        if (!"learned".equals(c.posEmbed) && !"sinusoidal".equals(c.posEmbed) && !"fourier".equals(c.posEmbed)) {
            throw new Vit4jException(
                    what + ": pos_embed must be \"learned\", \"sinusoidal\" or \"fourier\", not " + c.posEmbed);
        }
        int[] mu = o.fourierMaxResolution();
        if ("fourier".equals(c.posEmbed)
                && (o.fourierBands() <= 0 || mu != null && (mu.length != 2 || mu[0] <= 0 || mu[1] <= 0))) {
            throw new Vit4jException(what + ": fourier_bands must be positive and fourier_max_resolution [rows, cols]");
        }
    }

    /**
     * Layer-wise decay by depth along the Perceiver's own path: the stem (patches, positions, the latent array) first,
     * then each stage's cross-attention and its latent blocks in the order they run, the final norm with the last
     * block; only the head is left to the top group. With shared weights (or one iteration) there is one stage.
     */
    @Override
    public Integer decayLayer(String parameter, ModelConfig c) {
        String top = parameter.substring(0, Math.max(0, parameter.indexOf('.')));
        int perStage = c.depth + 1;
        PerceiverOptions o = options(c);
        int stages = o.shareWeights() || o.numIterations() == 1 ? 1 : 2;
        return switch (parameter.contains(".") ? top : parameter) {
            case "patch_embed", "pos_embed", "pos_proj", "fourier_features", "latents" -> 0;
            case "cross_attention" -> 1;
            case "latent_blocks" -> 2 + Integer.parseInt(parameter.split("\\.")[1]);
            case "cross_attention_rest" -> perStage + 1;
            case "latent_blocks_rest" -> perStage
                    + 2
                    + Integer.parseInt(parameter.split("\\.")[1]);
            case "norm" -> stages * perStage;
            default -> null;
        };
    }

    /** The latents read the patches; no token is put before them. */
    @Override
    public int prefixTokens(ModelConfig c) {
        return 0;
    }

    @Override
    public double bodyMacs(ModelConfig c) {
        PerceiverOptions o = options(c);
        double d = c.embedDim;
        double grid = (double) c.gridHeight() * c.gridWidth();
        double l = o.numLatents();
        double hidden = Math.floor(d * c.mlpRatio);
        double cross = l * d * d + 2 * grid * d * d + 2 * l * grid * d + l * d * d + 2 * l * d * hidden;
        double macs = o.numIterations() * (cross + c.depth * Complexity.transformerBlock(l, d, hidden));
        if ("fourier".equals(c.posEmbed)) {
            macs += grid * FourierFeatures.size(o.fourierBands()) * d;
        }
        return macs;
    }

    /** Every iteration's cross-attention (latents over the input grid); the latents have no positions to measure. */
    @Override
    public AttentionLayout attention(ModelConfig c) {
        List<String> blocks = new ArrayList<>();
        for (int k = 0; k < options(c).numIterations(); k++) {
            blocks.add(Perceiver.crossAttentionKey(k).substring("attention.".length()));
        }
        return new AttentionLayout(
                blocks,
                List.of(),
                "a Perceiver's latents have no token per input, so there is nothing to roll out",
                "mean attention distance needs token-to-token attention over the image grid; a Perceiver's latents"
                        + " have no position (see `vit4j attention` for its cross-attention maps)");
    }

    // Registry: Keras' example's CIFAR-100 model and a small one that trains in minutes on 2 cores.

    public static void register(ModelRegistry registry) {
        registry.registerFamily(new PerceiverFamily());
        registry.register("perceiver_cifar", () -> {
            ModelConfig c = base("perceiver_cifar", 64, 3, 100, 2);
            c.embedDim = 256;
            c.numHeads = 8;
            c.depth = 4;
            c.mlpRatio = 1.0; // ffn_units = [projection_dim, projection_dim]
            c.dropRate = 0.2;
            c.attnDropRate = 0.1;
            c.dataConfig = new DataConfig(
                    new int[] {3, 64, 64}, "bilinear", 1.0, DataConfig.INCEPTION_MEAN, DataConfig.INCEPTION_STD);
            return c.withOptions(PerceiverOptions.DEFAULTS.withLatents(256, 1, 2));
        });
        registry.register("perceiver_tiny", () -> {
            ModelConfig c = base("perceiver_tiny", 28, 1, 10, 2);
            c.embedDim = 64;
            c.numHeads = 4;
            c.depth = 3;
            c.mlpRatio = 2.0;
            c.dataConfig =
                    new DataConfig(new int[] {1, 28, 28}, "bilinear", 1.0, new double[] {0.5}, new double[] {0.5});
            return c.withOptions(PerceiverOptions.DEFAULTS.withLatents(32, 2, 2));
        });
    }

    private static ModelConfig base(String name, int size, int channels, int classes, int patch) {
        ModelConfig c = new ModelConfig();
        c.arch = ARCH;
        c.name = name;
        c.imgSize = new int[] {size, size};
        c.inChans = channels;
        c.numClasses = classes;
        c.patchSize = patch;
        c.globalPool = "avg";
        return c;
    }
}
