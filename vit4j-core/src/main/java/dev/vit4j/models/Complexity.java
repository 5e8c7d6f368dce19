package dev.vit4j.models;

/**
 * Multiply-accumulates of one forward pass at the configured input size, counted per matrix product the
 * way fvcore (and the ViT/DeiT/CaiT papers' "FLOPs") count them; norms, softmax and activations are left
 * out. deit_tiny_patch16_224 gives 1.26 G, vit_base_patch16_224 17.6 G, as published. The patch embedding and
 * the head are counted here, everything between by the model's family ({@link ModelFamily#bodyMacs}).
 */
public final class Complexity {
    private Complexity() {}

    public static double gmacs(ModelConfig c) {
        double d = c.embedDim;
        double grid = (double) c.gridHeight() * c.gridWidth();
        double patchEmbedding = grid * d * c.inChans * c.patchSize * c.patchSize;
        return (patchEmbedding + c.family().bodyMacs(c) + d * c.numClasses) / 1e9;
    }

    /** One pre-norm transformer block over {@code tokens} tokens: qkv, scores, weighted values, projection, MLP. */
    public static double transformerBlock(double tokens, double dim, double hidden) {
        return tokens * dim * 3 * dim + 2 * tokens * tokens * dim + tokens * dim * dim + 2 * tokens * dim * hidden;
    }
}
