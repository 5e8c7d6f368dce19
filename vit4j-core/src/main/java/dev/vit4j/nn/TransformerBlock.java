package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

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
    public TransformerBlock(int dim, int heads, int mlpHidden, boolean qkvBias, Double layerScaleInit, double eps,
            float dropRate, float attnDropRate, float dropPath) {
        this.norm1 = child("norm1", new LayerNorm(dim, eps));
        this.attn = child("attn", new Attention(dim, heads, qkvBias, attnDropRate, dropRate));
        this.ls1 = layerScaleInit == null ? null : child("ls1", new LayerScale(dim, layerScaleInit));
        this.norm2 = child("norm2", new LayerNorm(dim, eps));
        this.mlp = child("mlp", new Mlp(dim, mlpHidden, dropRate));
        this.ls2 = layerScaleInit == null ? null : child("ls2", new LayerScale(dim, layerScaleInit));
        this.dropPath = dropPath;
    }

    public String export(OnnxExport e, String x, long dim) {
        OnnxGraph g = e.graph();
        String a = attn.export(e, norm1.export(g, x), dim);
        x = g.node("Add", new String[] {x, ls1 == null ? a : ls1.export(g, a)});
        String m = mlp.export(g, norm2.export(g, x));
        return g.node("Add", new String[] {x, ls2 == null ? m : ls2.export(g, m)});
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray a = attn.forward(norm1.forward(x), ctx);
        x = x.add(DropPath.apply(ls1 == null ? a : ls1.forward(a), dropPath, ctx));
        NDArray m = mlp.forward(norm2.forward(x), ctx);
        return x.add(DropPath.apply(ls2 == null ? m : ls2.forward(m), dropPath, ctx));
    }
}
