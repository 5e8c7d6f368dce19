package dev.vit4j.models.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import dev.vit4j.models.Configs;
import dev.vit4j.models.HuggingFaceImageProcessor;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.TextConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * transformers' {@code CLIPModel} and {@code SiglipModel} configs ({@code config.json} with {@code text_config} and
 * {@code vision_config}, each key at transformers' default where {@code save_pretrained} left it out) as a two-tower
 * model: the image tower as timm's CLIP or SigLIP ViT, the text tower as open_clip's, the tokenizer from the
 * directory, the preprocessing from {@code preprocessor_config.json} ({@code CLIPImageProcessor}, {@code
 * SiglipImageProcessor}) or those processors' defaults.
 */
final class HuggingFaceTwoTowers {
    static final String CLIP = "clip";
    static final String SIGLIP = "siglip";
    static final Set<String> MODEL_TYPES = Set.of(CLIP, SIGLIP);

    private HuggingFaceTwoTowers() {}

    /** Defaults of one model type's sub-configs, as transformers 5's {@code CLIPTextConfig} etc. declare them. */
    private record Defaults(
            int visionWidth,
            int visionLayers,
            int visionHeads,
            int patch,
            String act,
            double eps,
            int textWidth,
            int textLayers,
            int textHeads,
            int context,
            int vocab) {}

    private static final Defaults CLIP_DEFAULTS =
            new Defaults(768, 12, 12, 32, "quick_gelu", 1e-5, 512, 12, 8, 77, 49408);
    private static final Defaults SIGLIP_DEFAULTS =
            new Defaults(768, 12, 12, 16, "gelu_pytorch_tanh", 1e-6, 768, 12, 12, 64, 32000);

    static ModelConfig read(JsonNode hf, Path file) {
        String type = hf.path("model_type").asText();
        boolean siglip = type.equals(SIGLIP);
        Defaults d = siglip ? SIGLIP_DEFAULTS : CLIP_DEFAULTS;
        JsonNode vision = hf.path("vision_config");
        JsonNode text = hf.path("text_config");
        int width = vision.path("hidden_size").asInt(d.visionWidth());
        int textWidth = text.path("hidden_size").asInt(d.textWidth());
        // CLIP projects both towers to projection_dim; SigLIP's image embedding is its pooling head's output and its
        // text head maps to projection_size (the text width by default)
        int embed = siglip
                ? text.path("projection_size").asInt(textWidth)
                : hf.path("projection_dim").asInt(512);
        if (siglip && embed != width) {
            throw new Vit4jException(file + ": text_config projection_size " + embed + " is not the image width "
                    + width + " (the two embeddings must share a space)");
        }
        if (siglip && !vision.path("vision_use_head").asBoolean(true)) {
            throw new Vit4jException(file + ": a SigLIP vision tower without its pooling head is not read");
        }
        int size = vision.path("image_size").asInt(224);
        ObjectNode j = JsonNodeFactory.instance.objectNode();
        String name = file.toAbsolutePath().getParent().getFileName().toString();
        j.put("arch", ModelRegistry.IMAGE_TOWER_ARCH);
        j.put("name", name);
        j.putArray("img_size").add(size).add(size);
        j.put("patch_size", vision.path("patch_size").asInt(d.patch()));
        j.put("in_chans", vision.path("num_channels").asInt(3));
        j.put("embed_dim", width);
        j.put("depth", vision.path("num_hidden_layers").asInt(d.visionLayers()));
        j.put("num_heads", vision.path("num_attention_heads").asInt(d.visionHeads()));
        j.put("mlp_ratio", (double) vision.path("intermediate_size").asInt(4 * width) / width);
        j.put("layer_norm_eps", vision.path("layer_norm_eps").asDouble(d.eps()));
        j.put("act_layer", activation(vision.path("hidden_act").asText(d.act()), file));
        if (siglip) {
            j.put("class_token", false);
            j.put("global_pool", "map");
            j.put("num_classes", 0);
        } else {
            j.put("pre_norm", true);
            j.put("num_classes", embed);
            j.put("head", ModelConfig.PROJECTION);
        }
        ModelConfig v = Configs.fromJson(j);
        v.name = name;
        v.labels = null;
        v.dataConfig = dataConfig(file, v, siglip);
        v.text = textConfig(text, d, embed, siglip, file);
        return v;
    }

    private static String activation(String hf, Path file) {
        return switch (hf) {
            case "quick_gelu" -> "quick_gelu";
            case "gelu" -> "gelu";
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> "gelu_tanh";
            default -> throw new Vit4jException(
                    file + ": hidden_act '" + hf + "' is not read (gelu, quick_gelu," + " gelu_pytorch_tanh)");
        };
    }

    private static TextConfig textConfig(JsonNode text, Defaults d, int embed, boolean siglip, Path file) {
        TextConfig t = new TextConfig();
        t.width = text.path("hidden_size").asInt(d.textWidth());
        t.layers = text.path("num_hidden_layers").asInt(d.textLayers());
        t.heads = text.path("num_attention_heads").asInt(d.textHeads());
        t.mlpRatio = (double) text.path("intermediate_size").asInt(4 * t.width) / t.width;
        t.contextLength = text.path("max_position_embeddings").asInt(d.context());
        t.vocabSize = text.path("vocab_size").asInt(d.vocab());
        t.embedDim = embed;
        t.act = activation(text.path("hidden_act").asText(d.act()), file);
        t.layerNormEps = text.path("layer_norm_eps").asDouble(d.eps());
        t.tokenizer = "directory";
        if (siglip) {
            // SiglipTextTransformer: every token sees every other, the last one's features through a biased head
            t.causal = false;
            t.poolType = "last";
            t.projBias = true;
            t.logitBias = true;
            t.clean = "transformers-canonicalize";
        } else {
            // CLIPTextTransformer: eos_token_id 2 marks the configs before transformers 4.31, pooled at argmax
            int eos = text.path("eos_token_id").asInt(2);
            t.poolType = eos == 2 ? "argmax" : "eos";
            t.eosId = eos;
            t.clean = "none";
        }
        return t;
    }

    private static DataConfig dataConfig(Path file, ModelConfig v, boolean siglip) {
        Path processor = file.toAbsolutePath().resolveSibling("preprocessor_config.json");
        if (Files.isRegularFile(processor)) {
            DataConfig c = HuggingFaceImageProcessor.read(processor, v.inChans);
            if (c.inputSize()[1] != v.height() || c.inputSize()[2] != v.width()) {
                throw new Vit4jException(processor + " gives " + c.inputSize()[1] + "×" + c.inputSize()[2]
                        + " images; the image tower takes " + v.height() + "×" + v.width());
            }
            return c;
        }
        int size = v.height();
        // the processors' defaults: SiglipImageProcessor squashes to size, CLIPImageProcessor resizes the shorter side
        // and crops the centre; both bicubic
        return siglip
                ? new DataConfig(
                        new int[] {3, size, size},
                        "bicubic",
                        1.0,
                        "squash",
                        new int[] {size, size},
                        new double[] {0.5, 0.5, 0.5},
                        new double[] {0.5, 0.5, 0.5})
                : new DataConfig(
                        new int[] {3, size, size},
                        "bicubic",
                        1.0,
                        "squash",
                        new int[] {size},
                        ClipFamily.OPENAI_MEAN.clone(),
                        ClipFamily.OPENAI_STD.clone());
    }
}
