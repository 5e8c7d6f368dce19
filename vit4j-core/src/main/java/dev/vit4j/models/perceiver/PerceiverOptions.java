package dev.vit4j.models.perceiver;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vit4j.models.ModelConfig;

/**
 * What the Perceiver alone reads from a config: {@code num_latents} rows of the latent array (its width is
 * {@code embed_dim}); {@code num_iterations} repetitions of cross-attention → latent transformer ({@code depth}
 * blocks); {@code cross_heads} heads of the cross-attention (1 = Keras' Perceiver example); {@code share_weights}
 * true = every iteration uses the same weights (Keras' example), false = the first iteration has its own, the later
 * ones share a second set (the paper's option); with {@code pos_embed} "fourier", {@code fourier_bands} frequency
 * bands per axis and {@code fourier_max_resolution} μ per axis (rows, cols; null = the patch grid).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PerceiverOptions(
        int numLatents,
        int numIterations,
        int crossHeads,
        boolean shareWeights,
        int fourierBands,
        int[] fourierMaxResolution) {
    /** Keras' example's values (the paper's Fourier bands aside). */
    public static final PerceiverOptions DEFAULTS = new PerceiverOptions(256, 2, 1, true, 16, null);

    public static PerceiverOptions of(ModelConfig config) {
        return config.options(PerceiverOptions.class, DEFAULTS);
    }

    public PerceiverOptions withLatents(int latents, int crossAttentionHeads, int iterations) {
        return new PerceiverOptions(
                latents, iterations, crossAttentionHeads, shareWeights, fourierBands, fourierMaxResolution);
    }

    public PerceiverOptions withShareWeights(boolean share) {
        return new PerceiverOptions(numLatents, numIterations, crossHeads, share, fourierBands, fourierMaxResolution);
    }

    public PerceiverOptions withFourierBands(int bands) {
        return new PerceiverOptions(numLatents, numIterations, crossHeads, shareWeights, bands, fourierMaxResolution);
    }
}
