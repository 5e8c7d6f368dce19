package dev.vit4j.models.vit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.AttentionLayout;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelFamily;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.VisionModel;
import dev.vit4j.weights.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The ViT family (timm's {@code vision_transformer.py} and {@code deit.py}): {@link VisionTransformer} with its
 * registered variants and pretrained tags, its cost, its attention maps, and {@code transformers}' ViT names and
 * configs.
 */
public final class VitFamily implements ModelFamily {
    public static final String ARCH = "vit";

    private VitFamily() {}

    @Override
    public String arch() {
        return ARCH;
    }

    @Override
    public VisionModel build(ModelConfig config) {
        return new VisionTransformer(config);
    }

    @Override
    public VitOptions options(ModelConfig config) {
        return VitOptions.of(config);
    }

    @Override
    public void validate(ModelConfig c, String what) {
        VitOptions o = options(c);
        o.activation();
        if ("token".equals(c.globalPool) && !c.classToken) {
            throw new Vit4jException(what + ": global_pool \"token\" needs a class token");
        }
        if (!"learned".equals(c.posEmbed) && !"sinusoidal".equals(c.posEmbed)) {
            throw new Vit4jException(what + ": pos_embed must be \"learned\" or \"sinusoidal\", not " + c.posEmbed);
        }
        if (o.regTokens() < 0 || o.regTokens() > 1024) {
            throw new Vit4jException(what + ": reg_tokens must be 0..1024, not " + o.regTokens());
        }
        if (o.distilled()
                && (!c.classToken
                        || !"token".equals(c.globalPool)
                        || o.regTokens() > 0
                        || Boolean.TRUE.equals(c.fcNorm))) {
            throw new Vit4jException(what + ": distilled (DeiT's distillation token) needs a class token,"
                    + " global_pool \"token\", no reg_tokens and no fc_norm, as timm's VisionTransformerDistilled");
        }
    }

    /** The class token, the distillation token, the registers: in that order, before the patches. */
    @Override
    public int prefixTokens(ModelConfig c) {
        VitOptions o = options(c);
        return (c.classToken ? 1 : 0) + (o.distilled() ? 1 : 0) + o.regTokens();
    }

    /** With {@code no_embed_class}, the position table covers the patches only. */
    @Override
    public int positionPrefixTokens(ModelConfig c) {
        return options(c).noEmbedClass() ? 0 : prefixTokens(c);
    }

    @Override
    public double bodyMacs(ModelConfig c) {
        double d = c.embedDim;
        double tokens = (double) c.gridHeight() * c.gridWidth() + prefixTokens(c);
        double hidden = Math.floor(d * c.mlpRatio);
        double macs = c.depth * Complexity.transformerBlock(tokens, d, hidden);
        if ("map".equals(c.globalPool)) {
            // one latent query: its projection, keys and values of every token, scores and sum, output, MLP
            macs += d * d + tokens * d * 2 * d + 2 * tokens * d + d * d + 2 * d * hidden;
        }
        if (options(c).distilled()) {
            macs += d * c.numClasses; // the second head
        }
        return macs;
    }

    /** timm's DeiT {@code group_matcher}: the distillation token belongs to the stem. */
    @Override
    public Integer decayLayer(String parameter, ModelConfig c) {
        return parameter.startsWith("dist_token") ? Integer.valueOf(0) : ModelFamily.super.decayLayer(parameter, c);
    }

    /**
     * The last block's maps (the class token's row; registers and the distillation token are prefix tokens, left
     * out of the patch grid), or, with attention pooling, the pooling query's; rollout over every block when there
     * is a class token; distances between patches.
     */
    @Override
    public AttentionLayout attention(ModelConfig c) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < c.depth; i++) {
            all.add("blocks." + i);
        }
        List<String> shown = "map".equals(c.globalPool)
                ? List.of(AttentionPoolLatent.NAME)
                : all.isEmpty() ? all : all.subList(all.size() - 1, all.size());
        return c.classToken
                ? new AttentionLayout(shown, all, null, null)
                : new AttentionLayout(
                        shown, List.of(), "without a class token there is no row to roll out (" + c.name + ")", null);
    }

    @Override
    public TensorSource checkpoint(TensorSource file) {
        return ForeignCheckpoints.asTimm(file);
    }

    @Override
    public Set<String> huggingFaceModelTypes() {
        return Set.of(HuggingFaceVitConfig.MODEL_TYPE);
    }

    @Override
    public ModelConfig fromHuggingFace(JsonNode config, Path file) {
        return HuggingFaceVitConfig.read(config, file);
    }

    // Registry entries with timm's names; their pretrained tags and data configs are timm 0.9.16's
    // (vision_transformer.py and deit.py), generated into vision_transformer.pretrained.json.

    public static void register(ModelRegistry registry) {
        registry.registerFamily(new VitFamily());
        variant(registry, "vit_tiny_patch16_224", 16, 192, 12, 3, 224);
        variant(registry, "vit_small_patch16_224", 16, 384, 12, 6, 224);
        variant(registry, "vit_base_patch16_224", 16, 768, 12, 12, 224);
        variant(registry, "vit_large_patch16_224", 16, 1024, 24, 16, 224);
        variant(registry, "vit_base_patch32_224", 32, 768, 12, 12, 224);
        variant(registry, "vit_base_patch16_384", 16, 768, 12, 12, 384);
        variant(registry, "deit_tiny_patch16_224", 16, 192, 12, 3, 224);
        variant(registry, "deit_small_patch16_224", 16, 384, 12, 6, 224);
        variant(registry, "deit_base_patch16_224", 16, 768, 12, 12, 224);
        // DeiT with its distillation token (Touvron et al. 2021; timm's deit.py, VisionTransformerDistilled)
        String[] sizes = {"tiny", "small", "base"};
        int[][] deit = {{192, 3}, {384, 6}, {768, 12}};
        for (int i = 0; i < sizes.length; i++) {
            variant(
                    registry,
                    "deit_" + sizes[i] + "_distilled_patch16_224",
                    new Shape(16, deit[i][0], 12, deit[i][1], 224),
                    c -> c.withOptions(VitOptions.DEFAULTS.withDistilled(true)));
        }
        // DINOv2 (Oquab et al. 2023) and DINOv2 with registers (Darcet et al. 2023): LayerScale, 518 px, no head
        String[] dinoSizes = {"small", "base", "large"};
        int[][] dino = {{384, 12, 6}, {768, 12, 12}, {1024, 24, 16}};
        for (int i = 0; i < dinoSizes.length; i++) {
            Shape s = new Shape(14, dino[i][0], dino[i][1], dino[i][2], 518);
            variant(registry, "vit_" + dinoSizes[i] + "_patch14_dinov2", s, c -> c.initValues = 1e-5);
            variant(registry, "vit_" + dinoSizes[i] + "_patch14_reg4_dinov2", s, c -> {
                c.initValues = 1e-5;
                c.withOptions(VitOptions.DEFAULTS.withRegisters(4, true));
            });
        }
        // CLIP image towers (Radford et al. 2021): a norm before the blocks, torch's LayerNorm eps, a projection head;
        // the quickgelu variants with OpenAI's activation
        for (Shape s : new Shape[] {new Shape(16, 768, 12, 12, 224), new Shape(14, 1024, 24, 16, 224)}) {
            String base = s.patch() == 16 ? "vit_base_patch16_clip" : "vit_large_patch14_clip";
            variant(registry, base + "_224", s, c -> clip(c, "gelu"));
            variant(registry, base + "_quickgelu_224", s, c -> clip(c, "quick_gelu"));
        }
        // SigLIP image towers (Zhai et al. 2023): no class token, attention pooling with a latent query (MAP)
        for (int size : new int[] {224, 256, 384}) {
            variant(registry, "vit_base_patch16_siglip_" + size, new Shape(16, 768, 12, 12, size), c -> {
                c.classToken = false;
                c.globalPool = "map";
            });
        }
        registry.registerPretrained(VitFamily.class, "vision_transformer.pretrained.json");
    }

    /** Patch size, width, depth, heads and input side of a registered variant. */
    private record Shape(int patch, int dim, int depth, int heads, int size) {}

    private static void clip(ModelConfig c, String activation) {
        c.layerNormEps = 1e-5;
        c.withOptions(VitOptions.DEFAULTS.withPreNorm(true, activation));
    }

    private static void variant(
            ModelRegistry registry, String name, int patch, int dim, int depth, int heads, int size) {
        variant(registry, name, new Shape(patch, dim, depth, heads, size), c -> {});
    }

    private static void variant(ModelRegistry registry, String name, Shape s, Consumer<ModelConfig> switches) {
        registry.register(name, () -> {
            ModelConfig c = new ModelConfig();
            c.arch = ARCH;
            c.name = name;
            c.imgSize = new int[] {s.size(), s.size()};
            c.patchSize = s.patch();
            c.embedDim = s.dim();
            c.depth = s.depth();
            c.numHeads = s.heads();
            switches.accept(c);
            return c;
        });
    }
}
