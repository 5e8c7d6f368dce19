package dev.vit4j.models.cait;

import dev.vit4j.Vit4jException;
import dev.vit4j.models.AttentionLayout;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelFamily;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.VisionModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The CaiT family (timm's {@code cait.py}): {@link Cait} with its options ({@link CaitOptions}), the ten variants of
 * the paper and their pretrained tags, its cost and its attention maps.
 */
public final class CaitFamily implements ModelFamily {
    public static final String ARCH = "cait";

    private CaitFamily() {}

    @Override
    public String arch() {
        return ARCH;
    }

    @Override
    public VisionModel build(ModelConfig config) {
        return new Cait(config);
    }

    @Override
    public CaitOptions options(ModelConfig config) {
        return CaitOptions.of(config);
    }

    @Override
    public void validate(ModelConfig c, String what) {
        if ("map".equals(c.globalPool)) {
            throw new Vit4jException(what + ": global_pool \"map\" is a ViT's; CaiT pools with \"token\" or \"avg\"");
        }
        CaitOptions o = options(c);
        if (c.initValues == null || o.depthTokenOnly() < 0) {
            throw new Vit4jException(what + ": CaiT needs init_values and depth_token_only");
        }
        if (o.depthTokenOnly() > 4096 || !(o.mlpRatioTokenOnly() > 0 && o.mlpRatioTokenOnly() <= 64)) {
            throw new Vit4jException(what + ": depth_token_only ≤ 4096 and 0 < mlp_ratio_token_only ≤ 64");
        }
        if (!"timm".equals(o.talkingHeadsInit()) && !"identity".equals(o.talkingHeadsInit())) {
            throw new Vit4jException(what + ": talking_heads_init must be \"timm\" or \"identity\"");
        }
        if (!"learned".equals(c.posEmbed) && !"sinusoidal".equals(c.posEmbed)) {
            throw new Vit4jException(what + ": pos_embed must be \"learned\" or \"sinusoidal\", not " + c.posEmbed);
        }
    }

    /** The class token, added after the self-attention blocks, is still a prefix of what the class attention sees. */
    @Override
    public int prefixTokens(ModelConfig c) {
        return 1;
    }

    /** CaiT's position table covers the patches only. */
    @Override
    public int positionPrefixTokens(ModelConfig c) {
        return 0;
    }

    /** As the paper: every self-attention block drops paths at the same rate. */
    @Override
    public String dropPathSchedule() {
        return "uniform";
    }

    @Override
    public double bodyMacs(ModelConfig c) {
        CaitOptions o = options(c);
        double d = c.embedDim;
        double grid = (double) c.gridHeight() * c.gridWidth();
        double heads = c.numHeads;
        double talkingHeads = 2 * grid * grid * heads * heads;
        double macs = c.depth * (Complexity.transformerBlock(grid, d, Math.floor(d * c.mlpRatio)) + talkingHeads);
        double n = grid + 1;
        double caHidden = Math.floor(d * o.mlpRatioTokenOnly());
        double perClassAttention = d * d + 2 * n * d * d + 2 * n * d + d * d + 2 * d * caHidden;
        return macs + o.depthTokenOnly() * perClassAttention;
    }

    /** timm's {@code group_matcher}: the class-attention blocks share the layers of the last self-attention blocks. */
    @Override
    public Integer decayLayer(String parameter, ModelConfig c) {
        if (parameter.startsWith("blocks_token_only.")) {
            return Integer.parseInt(parameter.split("\\.")[1])
                    + c.depth
                    - options(c).depthTokenOnly()
                    + 1;
        }
        return ModelFamily.super.decayLayer(parameter, c);
    }

    /** The class-attention blocks' maps (as Keras' CaiT example draws them); no rollout, since the class token only enters at the end. */
    @Override
    public AttentionLayout attention(ModelConfig c) {
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < options(c).depthTokenOnly(); i++) {
            blocks.add("blocks_token_only." + i);
        }
        return new AttentionLayout(
                blocks,
                List.of(),
                "CaiT's class token only enters in its last blocks, so there is nothing to roll out",
                null);
    }

    // The ten variants of "Going deeper with Image Transformers" (Touvron et al. 2021) with timm's names; pretrained
    // tags and data configs from timm 0.9.16's cait.py (cait.pretrained.json).

    public static void register(ModelRegistry registry) {
        registry.registerFamily(new CaitFamily());
        variant(registry, "cait_xxs24_224", 192, 24, 4, 1e-5, 224);
        variant(registry, "cait_xxs24_384", 192, 24, 4, 1e-5, 384);
        variant(registry, "cait_xxs36_224", 192, 36, 4, 1e-5, 224);
        variant(registry, "cait_xxs36_384", 192, 36, 4, 1e-5, 384);
        variant(registry, "cait_xs24_384", 288, 24, 6, 1e-5, 384);
        variant(registry, "cait_s24_224", 384, 24, 8, 1e-5, 224);
        variant(registry, "cait_s24_384", 384, 24, 8, 1e-5, 384);
        variant(registry, "cait_s36_384", 384, 36, 8, 1e-6, 384);
        variant(registry, "cait_m36_384", 768, 36, 16, 1e-6, 384);
        variant(registry, "cait_m48_448", 768, 48, 16, 1e-6, 448);
        registry.registerPretrained(CaitFamily.class, "cait.pretrained.json");
    }

    private static void variant(
            ModelRegistry registry, String name, int dim, int depth, int heads, double init, int size) {
        registry.register(name, () -> {
            ModelConfig c = new ModelConfig();
            c.arch = ARCH;
            c.name = name;
            c.imgSize = new int[] {size, size};
            c.patchSize = 16;
            c.embedDim = dim;
            c.depth = depth;
            c.numHeads = heads;
            c.initValues = init;
            return c.withOptions(CaitOptions.DEFAULTS);
        });
    }
}
