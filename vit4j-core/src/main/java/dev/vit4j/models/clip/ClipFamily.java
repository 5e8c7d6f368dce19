package dev.vit4j.models.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.TextConfig;
import dev.vit4j.models.TextFamily;
import dev.vit4j.models.TextModel;
import dev.vit4j.weights.TensorSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * CLIP (Radford et al. 2021) and SigLIP (Zhai et al. 2023) as open_clip builds them ({@code model.py}'s {@code CLIP}
 * and {@code CustomTextCLIP}): the text tower ({@link TextTransformer}), its checkpoints ({@link TextCheckpoints}), and
 * the two-tower configs (open_clip's {@code open_clip_config.json}). The image tower is a ViT config the
 * registry's vit family builds and reads.
 */
public final class ClipFamily implements TextFamily {
    /** open_clip's OPENAI_DATASET_MEAN and _STD, its default normalization. */
    static final double[] OPENAI_MEAN = {0.48145466, 0.4578275, 0.40821073};

    static final double[] OPENAI_STD = {0.26862954, 0.26130258, 0.27577711};

    public static void register(ModelRegistry registry) {
        registry.registerTextFamily(new ClipFamily());
    }

    @Override
    public TextModel build(TextConfig config) {
        return new TextTransformer(config);
    }

    @Override
    public TensorSource checkpoint(TensorSource file) {
        return TextCheckpoints.asText(file);
    }

    @Override
    public Set<String> huggingFaceModelTypes() {
        return HuggingFaceTwoTowers.MODEL_TYPES;
    }

    @Override
    public ModelConfig fromHuggingFace(JsonNode config, Path file) {
        return HuggingFaceTwoTowers.read(config, file);
    }

    @Override
    public ModelConfig fromCheckpointShapes(java.util.Map<String, long[]> shapes, String name) {
        return OpenAiCheckpoints.config(shapes, name);
    }

    @Override
    public ModelConfig fromOpenClip(JsonNode root, String name) {
        JsonNode m = root.get("model_cfg");
        if (!m.path("embed_dim").canConvertToInt()) {
            throw new Vit4jException("model_cfg has no embed_dim");
        }
        int embed = m.get("embed_dim").asInt();
        boolean quickGelu = m.path("quick_gelu").asBoolean(false);
        JsonNode vision = m.path("vision_cfg");
        JsonNode text = m.path("text_cfg");
        refuse(m, List.of("multimodal_cfg"), "a captioning model (CoCa)");
        ModelConfig v = vision.hasNonNull("timm_model_name")
                ? timmTower(vision, embed, name)
                : nativeTower(vision, embed, quickGelu, name);
        v.name = name;
        v.labels = null;
        v.dataConfig = dataConfig(root.path("preprocess_cfg"), v);
        v.text = textConfig(text, embed, quickGelu, m.hasNonNull("init_logit_bias"));
        return v;
    }

    private static void refuse(JsonNode cfg, List<String> keys, String what) {
        for (String key : keys) {
            JsonNode v = cfg.get(key);
            if (v != null
                    && !v.isNull()
                    && !(v.isBoolean() && !v.asBoolean())
                    && !(v.isTextual() && v.asText().isEmpty())) {
                throw new Vit4jException(key + " (" + what + ") is not read");
            }
        }
    }

    private static int[] size(JsonNode node, int fallback) {
        if (node.isArray() && node.size() == 2) {
            return new int[] {node.get(0).asInt(), node.get(1).asInt()};
        }
        int s = node.asInt(fallback);
        return new int[] {s, s};
    }

    /** An image tower that is a timm model ({@code TimmModel}: SigLIP's {@code vit_base_patch16_siglip_224}). */
    private static ModelConfig timmTower(JsonNode vision, int embed, String name) {
        String timmName = vision.get("timm_model_name").asText();
        ModelConfig v = ModelRegistry.defaults().config(timmName);
        int[] size = size(vision.path("image_size"), v.height());
        if (size[0] != v.height() || size[1] != v.width()) {
            v = v.atImageSize(size[0], size[1]);
        }
        String pool = vision.path("timm_pool").asText("avg");
        switch (pool) {
            case "map", "avg" -> v.globalPool = pool;
            case "token", "tok" -> v.globalPool = "token";
            default -> throw new Vit4jException("vision_cfg timm_pool '" + pool + "' is not read (map, avg, token)");
        }
        String proj = vision.path("timm_proj").asText("linear");
        switch (proj) {
            case "none" -> {
                // open_clip asks timm for num_classes=0: the pooled features are the embedding
                v.numClasses = 0;
                v.head = null;
            }
            case "linear" -> {
                v.numClasses = embed;
                v.head = ModelConfig.PROJECTION;
            }
            default -> throw new Vit4jException("vision_cfg timm_proj '" + proj + "' is not read (none, linear)");
        }
        return v;
    }

    /** open_clip's own {@code VisionTransformer} as timm's CLIP ViT: a norm before the blocks, a projection head. */
    private static ModelConfig nativeTower(JsonNode vision, int embed, boolean quickGelu, String name) {
        if (vision.path("layers").isArray()) {
            throw new Vit4jException("vision_cfg layers as a list is a ResNet image tower, which vit4j does not build");
        }
        refuse(
                vision,
                List.of(
                        "attentional_pool",
                        "no_ln_pre",
                        "final_ln_after_pool",
                        "qk_norm",
                        "scaled_cosine_attn",
                        "scale_heads",
                        "scale_attn_inner",
                        "scale_attn",
                        "scale_fc",
                        "hf_model_name"),
                "a variant of open_clip's vision tower");
        String pool = vision.path("pool_type").asText("tok");
        if (!pool.equals("tok")) {
            throw new Vit4jException("vision_cfg pool_type '" + pool + "' is not read (tok)");
        }
        if (!vision.path("pos_embed_type").asText("learnable").equals("learnable")) {
            throw new Vit4jException("vision_cfg pos_embed_type must be learnable");
        }
        int width = vision.path("width").asInt(768);
        int headWidth = vision.path("head_width").asInt(64);
        if (headWidth <= 0 || width % headWidth != 0) {
            throw new Vit4jException("vision_cfg width " + width + " is not a multiple of head_width " + headWidth);
        }
        ObjectNode j = JsonNodeFactory.instance.objectNode();
        int[] size = size(vision.path("image_size"), 224);
        j.put("arch", ModelRegistry.IMAGE_TOWER_ARCH);
        j.put("name", name);
        j.putArray("img_size").add(size[0]).add(size[1]);
        j.put("patch_size", vision.path("patch_size").asInt(16));
        j.put("embed_dim", width);
        j.put("depth", vision.path("layers").asInt(12));
        j.put("num_heads", width / headWidth);
        j.put("mlp_ratio", vision.path("mlp_ratio").asDouble(4.0));
        j.put("num_classes", embed);
        j.put("head", ModelConfig.PROJECTION);
        j.put("layer_norm_eps", vision.path("norm_kwargs").path("eps").asDouble(1e-5));
        j.put("pre_norm", true);
        j.put("act_layer", quickGelu ? "quick_gelu" : "gelu");
        if (vision.hasNonNull("ls_init_value")) {
            j.put("init_values", vision.get("ls_init_value").asDouble());
        }
        return Configs.fromJson(j);
    }

    /** open_clip's {@code preprocess_cfg} (its defaults where absent) as the eval transform's config. */
    static DataConfig dataConfig(JsonNode pre, ModelConfig v) {
        int[] size = size(pre.path("size"), v.height());
        if (size[0] != v.height() || size[1] != v.width()) {
            throw new Vit4jException("preprocess_cfg size " + size[0] + "×" + size[1] + " is not the image tower's "
                    + v.height() + "×" + v.width());
        }
        String mode = pre.path("resize_mode").asText("shortest");
        String cropMode =
                switch (mode) {
                    case "shortest" -> "center";
                    case "squash", "longest" -> mode;
                    default -> throw new Vit4jException(
                            "preprocess_cfg resize_mode '" + mode + "' is not shortest, squash or" + " longest");
                };
        if (mode.equals("shortest") && size[0] != size[1]) {
            throw new Vit4jException("preprocess_cfg resize_mode shortest with a non-square size is not read");
        }
        if (pre.path("fill_color").asInt(0) != 0) {
            throw new Vit4jException("preprocess_cfg fill_color other than 0 (black) is not read");
        }
        String interpolation = pre.path("interpolation").asText("bicubic");
        if (!interpolation.equals("bicubic") && !interpolation.equals("bilinear")) {
            // open_clip takes "random" (training only) as bicubic
            interpolation = "bicubic";
        }
        return new DataConfig(
                new int[] {3, size[0], size[1]},
                interpolation,
                1.0,
                cropMode,
                null,
                triple(pre.path("mean"), OPENAI_MEAN),
                triple(pre.path("std"), OPENAI_STD));
    }

    private static double[] triple(JsonNode node, double[] fallback) {
        if (node.isNumber()) {
            return new double[] {node.asDouble(), node.asDouble(), node.asDouble()};
        }
        if (node.isArray() && node.size() == 3) {
            return new double[] {
                node.get(0).asDouble(), node.get(1).asDouble(), node.get(2).asDouble()
            };
        }
        return fallback.clone();
    }

    private static TextConfig textConfig(JsonNode text, int embed, boolean quickGelu, boolean logitBias) {
        refuse(
                text,
                List.of(
                        "hf_model_name",
                        "embed_cls",
                        "ls_init_value",
                        "qk_norm",
                        "scaled_cosine_attn",
                        "scale_heads",
                        "scale_attn_inner",
                        "scale_attn",
                        "scale_fc",
                        "final_ln_after_pool",
                        "tokenizer_mode"),
                "a variant of open_clip's text tower");
        if (text.path("proj_type").asText("linear").equals("none")) {
            throw new Vit4jException("text_cfg proj_type none (no projection) is not read");
        }
        TextConfig t = new TextConfig();
        t.contextLength = text.path("context_length").asInt(77);
        t.vocabSize = text.path("vocab_size").asInt(49408);
        t.width = text.path("width").asInt(512);
        t.heads = text.path("heads").asInt(8);
        t.layers = text.path("layers").asInt(12);
        t.mlpRatio = text.path("mlp_ratio").asDouble(4.0);
        t.embedDim = embed;
        t.act = quickGelu ? "quick_gelu" : "gelu";
        t.causal = !text.path("no_causal_mask").asBoolean(false);
        t.poolType = text.path("pool_type").asText("argmax");
        t.eosId = text.path("eos_id").asInt(2);
        t.projBias = text.path("proj_bias").asBoolean(false);
        t.layerNormEps = text.path("norm_kwargs").path("eps").asDouble(1e-5);
        t.logitBias = logitBias;
        boolean hf = text.hasNonNull("hf_tokenizer_name")
                && !text.get("hf_tokenizer_name").asText().isEmpty();
        t.tokenizer = hf ? "directory" : "clip-bpe";
        // open_clip's defaults: SimpleTokenizer cleans "lower", HFTokenizer "whitespace"
        t.clean = text.path("tokenizer_kwargs").path("clean").asText(hf ? "whitespace" : "lower");
        return t;
    }
}
