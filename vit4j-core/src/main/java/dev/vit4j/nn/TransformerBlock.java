package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import dev.vit4j.onnx.OnnxExport;

/**
 * timm's ViT {@code Block}: pre-norm self-attention and MLP, each a residual branch with optional
 * LayerScale ({@code ls1}/{@code ls2}) and stochastic depth.
 */
public final class TransformerBlock extends Module {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerScale ls1;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final LayerScale ls2;
    private final float dropPath;

    /** {@code layerScaleInit} null: no LayerScale (plain ViT). */
    public TransformerBlock(
            int dim,
            int heads,
            int mlpHidden,
            boolean qkvBias,
            Double layerScaleInit,
            double eps,
            float dropRate,
            float attnDropRate,
            float dropPath,
            MlpActivation activation) {
        this(dim, heads, mlpHidden, qkvBias, layerScaleInit, eps, dropRate, attnDropRate, dropPath, activation, false);
    }

    /** With {@code causal}, each token attends to itself and the tokens before it (a text tower's blocks). */
    public TransformerBlock(
            int dim,
            int heads,
            int mlpHidden,
            boolean qkvBias,
            Double layerScaleInit,
            double eps,
            float dropRate,
            float attnDropRate,
            float dropPath,
            MlpActivation activation,
            boolean causal) {
        this.norm1 = child("norm1", new LayerNorm(dim, eps));
        this.attn = child("attn", new Attention(dim, heads, qkvBias, attnDropRate, dropRate, causal));
        this.ls1 = layerScaleInit == null ? null : child("ls1", new LayerScale(dim, layerScaleInit));
        this.norm2 = child("norm2", new LayerNorm(dim, eps));
        this.mlp = child("mlp", new Mlp(dim, mlpHidden, dropRate, activation));
        this.ls2 = layerScaleInit == null ? null : child("ls2", new LayerScale(dim, layerScaleInit));
        this.dropPath = dropPath;
    }

    /**
     * The block on a residual stream whose previous branch may still be pending (see {@link PendingResidual}).
     * With {@code firstTokenOnly} the MLP runs on token 0 alone and only that token comes out: what a last
     * block needs when nothing but the class token is read after it (the MLP is two thirds of a block).
     */
    public PendingResidual export(OnnxExport e, PendingResidual x, long dim, boolean firstTokenOnly) {
        String[] h = x.normalize(e, norm1);
        PendingResidual a = attn.export(e, h[0], dim, ls1 == null ? null : ls1.gamma(), h[1]);
        String[] h2 = (firstTokenOnly ? a.firstToken(e.graph()) : a).normalize(e, norm2);
        return mlp.exportResidual(e, h2[0], ls2 == null ? null : ls2.gamma(), h2[1]);
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray a = attn.forward(norm1.forward(x), ctx);
        x = x.add(DropPath.apply(ls1 == null ? a : ls1.forward(a), dropPath, ctx));
        NDArray m = mlp.forward(norm2.forward(x), ctx);
        return x.add(DropPath.apply(ls2 == null ? m : ls2.forward(m), dropPath, ctx));
    }
}
