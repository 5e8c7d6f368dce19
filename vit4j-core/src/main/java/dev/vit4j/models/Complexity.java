package dev.vit4j.models;

/**
 * Multiply-accumulates of one forward pass at the configured input size, counted per matrix product the
 * way fvcore (and the ViT/DeiT/CaiT papers' "FLOPs") count them; norms, softmax and activations are left
 * out. deit_tiny_patch16_224 gives 1.26 G, vit_base_patch16_224 17.6 G, as published.
 */
public final class Complexity {
    private Complexity() {}

    public static double gmacs(ModelConfig c) {
        double d = c.embedDim;
        double grid = (double) c.gridHeight() * c.gridWidth();
        double macs = grid * d * c.inChans * c.patchSize * c.patchSize;
        if (c.isPerceiver()) {
            double l = c.numLatents;
            double hidden = Math.floor(d * c.mlpRatio);
            double cross = l * d * d + 2 * grid * d * d + 2 * l * grid * d + l * d * d + 2 * l * d * hidden;
            double latentBlock = l * d * 3 * d + 2 * l * l * d + l * d * d + 2 * l * d * hidden;
            macs += c.numIterations * (cross + c.depth * latentBlock);
            if ("fourier".equals(c.posEmbed)) {
                macs += grid * dev.vit4j.models.perceiver.FourierFeatures.size(c.fourierBands) * d;
            }
        } else if (c.isCait()) {
            double hidden = Math.floor(d * c.mlpRatio);
            double heads = c.numHeads;
            double perBlock = grid * d * 3 * d
                    + 2 * grid * grid * d
                    + 2 * grid * grid * heads * heads
                    + grid * d * d
                    + 2 * grid * d * hidden;
            macs += c.depth * perBlock;
            double n = grid + 1;
            double caHidden = Math.floor(d * c.mlpRatioTokenOnly);
            double perCa = d * d + 2 * n * d * d + 2 * n * d + d * d + 2 * d * caHidden;
            macs += c.depthTokenOnly * perCa;
        } else {
            double n = grid + c.prefixTokens();
            double hidden = Math.floor(d * c.mlpRatio);
            macs += c.depth * (n * d * 3 * d + 2 * n * n * d + n * d * d + 2 * n * d * hidden);
        }
        macs += d * c.numClasses;
        return macs / 1e9;
    }
}
