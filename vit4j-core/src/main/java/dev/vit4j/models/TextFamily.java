package dev.vit4j.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.weights.TensorSource;
import java.nio.file.Path;
import java.util.Set;

/**
 * The text towers of two-tower models (CLIP's and SigLIP's), as one of timm's or open_clip's model files is: it builds
 * the tower from its config, reads checkpoints in other libraries' layouts, and reads the configs two-tower models
 * ship with (open_clip's {@code open_clip_config.json}, transformers' {@code CLIPModel} and {@code SiglipModel}).
 * Registered once ({@link ModelRegistry#registerTextFamily}).
 */
public interface TextFamily {
    TextModel build(TextConfig config);

    /** The text tower's tensors of a two-tower checkpoint under the tower's own names; null when it holds none. */
    TensorSource checkpoint(TensorSource file);

    /**
     * A two-tower model from open_clip's {@code open_clip_config.json} ({@code model_cfg} and {@code preprocess_cfg}),
     * named {@code name}.
     */
    ModelConfig fromOpenClip(JsonNode config, String name);

    /** The {@code model_type}s of transformers configs this family reads ("clip", "siglip"). */
    Set<String> huggingFaceModelTypes();

    /** A transformers {@code config.json} of one of {@link #huggingFaceModelTypes()}. */
    ModelConfig fromHuggingFace(JsonNode config, Path file);

    /**
     * A two-tower model whose checkpoint carries no config (OpenAI's CLIP {@code .pt} files), read from its tensors'
     * names and shapes as open_clip's {@code build_model_from_openai_state_dict} does; null when they are not such a
     * checkpoint.
     */
    ModelConfig fromCheckpointShapes(java.util.Map<String, long[]> shapes, String name);
}
