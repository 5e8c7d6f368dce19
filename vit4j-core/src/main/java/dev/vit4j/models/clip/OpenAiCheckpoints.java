package dev.vit4j.models.clip;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.ModelConfig;
import java.util.Map;

/**
 * OpenAI's CLIP checkpoints ({@code ViT-B-16.pt} and the others its {@code clip} package downloads: TorchScript
 * archives whose modules carry no config), as open_clip's {@code build_model_from_openai_state_dict} reads them: every
 * size from a tensor's shape, 64-wide heads, QuickGELU, OpenAI's preprocessing (the shorter side resized bicubically,
 * the centre cropped, OpenAI's mean and std).
 */
final class OpenAiCheckpoints {
    private static final int HEAD_WIDTH = 64;

    private OpenAiCheckpoints() {}

    /** The two-tower config, or null when the names are not OpenAI's CLIP with a ViT image tower. */
    static ModelConfig config(Map<String, long[]> shapes, String name) {
        if (shapes.containsKey("visual.layer1.0.conv1.weight") && shapes.containsKey("token_embedding.weight")) {
            throw new Vit4jException(
                    "an OpenAI CLIP checkpoint with a ResNet image tower (RN50 and its kin), which vit4j"
                            + " does not build");
        }
        long[] conv = shapes.get("visual.conv1.weight");
        long[] visualPositions = shapes.get("visual.positional_embedding");
        long[] tokens = shapes.get("token_embedding.weight");
        long[] positions = shapes.get("positional_embedding");
        long[] projection = shapes.get("text_projection");
        long[] lnFinal = shapes.get("ln_final.weight");
        if (conv == null
                || visualPositions == null
                || tokens == null
                || positions == null
                || projection == null
                || lnFinal == null) {
            return null;
        }
        if (conv.length != 4 || visualPositions.length != 2 || projection.length != 2 || positions.length != 2) {
            throw new Vit4jException("an OpenAI CLIP checkpoint with unexpected shapes (visual.conv1.weight "
                    + java.util.Arrays.toString(conv) + ")");
        }
        int grid = (int) Math.round(Math.sqrt(visualPositions[0] - 1));
        if ((long) grid * grid + 1 != visualPositions[0]) {
            throw new Vit4jException("visual.positional_embedding has " + visualPositions[0]
                    + " rows: not a square grid and a class token");
        }
        int patch = (int) conv[3];
        int visionWidth = (int) conv[0];
        int textWidth = (int) lnFinal[0];
        ObjectNode vision = JsonNodeFactory.instance.objectNode();
        vision.put("image_size", patch * grid);
        vision.put("layers", count(shapes, "visual.transformer.resblocks."));
        vision.put("width", visionWidth);
        vision.put("head_width", HEAD_WIDTH);
        vision.put("patch_size", patch);
        ObjectNode text = JsonNodeFactory.instance.objectNode();
        text.put("context_length", positions[0]);
        text.put("vocab_size", tokens[0]);
        text.put("width", textWidth);
        text.put("heads", textWidth / HEAD_WIDTH);
        text.put("layers", count(shapes, "transformer.resblocks."));
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode model = root.putObject("model_cfg");
        model.put("embed_dim", projection[1]);
        model.put("quick_gelu", true);
        model.set("vision_cfg", vision);
        model.set("text_cfg", text);
        root.putObject("preprocess_cfg")
                .put("size", patch * grid)
                .put("resize_mode", "shortest")
                .put("interpolation", "bicubic");
        return new ClipFamily().fromOpenClip(root, name);
    }

    /** Blocks under {@code prefix}: the highest index whose attention is there, plus one. */
    private static int count(Map<String, long[]> shapes, String prefix) {
        int n = 0;
        while (shapes.containsKey(prefix + n + ".attn.in_proj_weight")) {
            n++;
        }
        return n;
    }
}
