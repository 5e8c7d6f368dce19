package dev.vit4j.models.vit;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.nn.MlpActivation;

/**
 * The switches of timm's {@code VisionTransformer} that only this family reads, with timm's argument names:
 * {@code reg_tokens} register tokens after the class token (DINOv2 with registers, Darcet et al. 2023);
 * {@code no_embed_class}: the position table covers the patches only, added before the prefix tokens are put in front
 * (DINOv2 with registers, DeiT III, big_vision); {@code pre_norm}: a LayerNorm ({@code norm_pre}) before the blocks
 * and no patch-embedding bias (CLIP); {@code act_layer}: the MLP's activation ("gelu", or CLIP's "quick_gelu");
 * {@code distilled}: DeiT's distillation token after the class token and a second head, the two heads averaged
 * (timm's {@code VisionTransformerDistilled} in eval); {@code dynamic_img_size}: accepted and changes nothing here —
 * vit4j prepares every image at the model's input size, and runs a model at another size with {@code --img-size}
 * ({@link dev.vit4j.models.ModelConfig#atImageSize}).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record VitOptions(
        int regTokens,
        boolean noEmbedClass,
        boolean preNorm,
        String actLayer,
        boolean distilled,
        boolean dynamicImgSize) {
    /** timm's defaults: the original ViT. */
    public static final VitOptions DEFAULTS = new VitOptions(0, false, false, "gelu", false, false);

    public static VitOptions of(ModelConfig config) {
        return config.options(VitOptions.class, DEFAULTS);
    }

    public MlpActivation activation() {
        return MlpActivation.named(actLayer);
    }

    public VitOptions withRegisters(int tokens, boolean noEmbedClassPositions) {
        return new VitOptions(tokens, noEmbedClassPositions, preNorm, actLayer, distilled, dynamicImgSize);
    }

    public VitOptions withPreNorm(boolean on, String activation) {
        return new VitOptions(regTokens, noEmbedClass, on, activation, distilled, dynamicImgSize);
    }

    public VitOptions withDistilled(boolean on) {
        return new VitOptions(regTokens, noEmbedClass, preNorm, actLayer, on, dynamicImgSize);
    }
}
