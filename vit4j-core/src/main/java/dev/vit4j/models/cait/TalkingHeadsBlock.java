package dev.vit4j.models.cait;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.nn.DropPath;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Initializer;
import dev.vit4j.nn.LayerNorm;
import dev.vit4j.nn.LayerScale;
import dev.vit4j.nn.Mlp;
import dev.vit4j.nn.Module;
import dev.vit4j.nn.Parameter;
import dev.vit4j.nn.PendingResidual;
import dev.vit4j.onnx.OnnxExport;

/**
 * CaiT's self-attention stage block (timm's {@code LayerScaleBlock}), on patch tokens only:
 * x + γ₁·TalkingHeadsAttention(norm1(x)), then x + γ₂·Mlp(norm2(x)), each with stochastic depth.
 */
public final class TalkingHeadsBlock extends Module {
    private final LayerNorm norm1;
    private final TalkingHeadsAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final Parameter gamma1;
    private final Parameter gamma2;
    private final float dropPath;

    public TalkingHeadsBlock(
            int dim,
            int heads,
            int mlpHidden,
            boolean qkvBias,
            double layerScaleInit,
            double eps,
            float dropRate,
            float attnDropRate,
            float dropPath,
            boolean identityMix) {
        this.norm1 = child("norm1", new LayerNorm(dim, eps));
        this.attn = child("attn", new TalkingHeadsAttention(dim, heads, qkvBias, attnDropRate, dropRate, identityMix));
        this.norm2 = child("norm2", new LayerNorm(dim, eps));
        this.mlp = child("mlp", new Mlp(dim, mlpHidden, dropRate));
        this.gamma1 = parameterWithoutDecay("gamma_1", new Shape(dim), Initializer.constant((float) layerScaleInit));
        this.gamma2 = parameterWithoutDecay("gamma_2", new Shape(dim), Initializer.constant((float) layerScaleInit));
        this.dropPath = dropPath;
    }

    /** The block on a residual stream whose previous branch may still be pending (see {@link PendingResidual}). */
    public PendingResidual export(OnnxExport e, PendingResidual x, long dim) {
        String[] h = x.normalize(e, norm1);
        String[] h2 = attn.export(e, h[0], dim, gamma1, h[1]).normalize(e, norm2);
        return mlp.exportResidual(e, h2[0], gamma2, h2[1]);
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        x = x.add(DropPath.apply(LayerScale.scale(attn.forward(norm1.forward(x), ctx), gamma1), dropPath, ctx));
        return x.add(DropPath.apply(LayerScale.scale(mlp.forward(norm2.forward(x), ctx), gamma2), dropPath, ctx));
    }
}
