package dev.vit4j.models.cait;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vit4j.models.ModelConfig;

/**
 * What CaiT alone reads from a config, with timm's {@code Cait} argument names: {@code depth_token_only}
 * class-attention blocks, their MLP ratio, and how talking-heads mixes start: "timm" (near zero, as timm) or
 * "identity" (identity plus noise: starts as plain multi-head attention; faster for small models trained from
 * scratch; it only matters then).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CaitOptions(int depthTokenOnly, double mlpRatioTokenOnly, String talkingHeadsInit) {
    /** timm's defaults. */
    public static final CaitOptions DEFAULTS = new CaitOptions(2, 4.0, "timm");

    public static CaitOptions of(ModelConfig config) {
        return config.options(CaitOptions.class, DEFAULTS);
    }

    public boolean identityTalkingHeads() {
        return "identity".equals(talkingHeadsInit);
    }
}
