package dev.vit4j.models.vit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.AttentionLayout;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelFamily;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.VisionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    public void validate(ModelConfig c, String what) {
        if ("token".equals(c.globalPool) && !c.classToken) {
            throw new Vit4jException(what + ": global_pool \"token\" needs a class token");
        }
        if (!"learned".equals(c.posEmbed) && !"sinusoidal".equals(c.posEmbed)) {
            throw new Vit4jException(what + ": pos_embed must be \"learned\" or \"sinusoidal\", not " + c.posEmbed);
        }
    }

    @Override
    public int prefixTokens(ModelConfig c) {
        return c.classToken ? 1 : 0;
    }

    @Override
    public double bodyMacs(ModelConfig c) {
        double tokens = (double) c.gridHeight() * c.gridWidth() + prefixTokens(c);
        return c.depth * Complexity.transformerBlock(tokens, c.embedDim, Math.floor(c.embedDim * c.mlpRatio));
    }

    /** The last block's maps; rollout over every block; distances between patches. */
    @Override
    public AttentionLayout attention(ModelConfig c) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < c.depth; i++) {
            all.add("blocks." + i);
        }
        return new AttentionLayout(all.isEmpty() ? all : all.subList(all.size() - 1, all.size()), all, null, null);
    }

    @Override
    public Map<String, List<String>> checkpointNames(Set<String> fileNames) {
        return HuggingFaceVitNames.matches(fileNames) ? HuggingFaceVitNames.toTimm(fileNames) : null;
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
        registry.registerPretrained(VitFamily.class, "vision_transformer.pretrained.json");
    }

    private static void variant(
            ModelRegistry registry, String name, int patch, int dim, int depth, int heads, int size) {
        registry.register(name, () -> {
            ModelConfig c = new ModelConfig();
            c.arch = ARCH;
            c.name = name;
            c.imgSize = new int[] {size, size};
            c.patchSize = patch;
            c.embedDim = dim;
            c.depth = depth;
            c.numHeads = heads;
            return c;
        });
    }
}
