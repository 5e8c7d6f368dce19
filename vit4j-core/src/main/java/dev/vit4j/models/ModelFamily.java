package dev.vit4j.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.weights.TensorSource;
import java.nio.file.Path;
import java.util.Set;

/**
 * One model family, as one of timm's {@code models/*.py} files is: it builds its network from a config, checks
 * the keys only it reads, counts its cost, says where its tokens and attention maps are, and reads checkpoints
 * written with other names. Registered once ({@link ModelRegistry#registerFamily}); the rest of vit4j asks the
 * family of a config ({@link ModelConfig#family()}) rather than naming it.
 */
public interface ModelFamily {
    /** The value of {@code arch} in a config of this family. */
    String arch();

    VisionModel build(ModelConfig config);

    /** The family's typed options read from its config (its own keys, defaults filled in); null for none. */
    default Record options(ModelConfig config) {
        return null;
    }

    /**
     * Refuses what this family cannot build, after {@link ModelConfig#validate} checked what all share; messages start
     * with {@code what} (the config's name).
     */
    void validate(ModelConfig config, String what);

    /** Tokens before the patch tokens in the sequence attention maps are taken over (a class token). */
    int prefixTokens(ModelConfig config);

    /** Rows of {@code pos_embed} before the patch grid: ViT's table covers its class token, CaiT's does not. */
    default int positionPrefixTokens(ModelConfig config) {
        return prefixTokens(config);
    }

    /** "linear" (rate grows with depth, as ViT) or "uniform" (every block the same, as CaiT): the default schedule. */
    default String dropPathSchedule() {
        return "linear";
    }

    /**
     * Multiply-accumulates of everything between the patch embedding and the head ({@link Complexity} adds those two).
     */
    double bodyMacs(ModelConfig config);

    /**
     * The layer of a parameter for layer-wise learning-rate decay, as timm's {@code group_matcher}: 0 for the stem
     * (class token, positions, patch embedding), block i is i + 1, the final norm the last block's; null for the head
     * (the top group).
     */
    default Integer decayLayer(String parameter, ModelConfig config) {
        if (parameter.startsWith("cls_token")
                || parameter.startsWith("pos_embed")
                || parameter.startsWith("patch_embed")) {
            return 0;
        }
        if (parameter.startsWith("blocks.")) {
            return Integer.parseInt(parameter.split("\\.")[1]) + 1;
        }
        if (parameter.startsWith("norm.")) {
            return config.depth;
        }
        return null;
    }

    /** The attention maps this family's models record and what can be drawn from them. */
    AttentionLayout attention(ModelConfig config);

    /**
     * A checkpoint written by another library (transformers', OpenAI's or open_clip's layout) seen under timm's names,
     * as timm's {@code checkpoint_filter_fn} converts it; {@code file} itself when its names are timm's.
     */
    default TensorSource checkpoint(TensorSource file) {
        return file;
    }

    /** The {@code model_type}s of Hugging Face {@code transformers} configs this family reads. */
    default Set<String> huggingFaceModelTypes() {
        return Set.of();
    }

    /** A {@code transformers} {@code config.json} of one of {@link #huggingFaceModelTypes()}, as this family's config. */
    default ModelConfig fromHuggingFace(JsonNode config, Path file) {
        throw new UnsupportedOperationException(arch() + " reads no Hugging Face configs");
    }
}
