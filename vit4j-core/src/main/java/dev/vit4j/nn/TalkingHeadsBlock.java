package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

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

    public TalkingHeadsBlock(int dim, int heads, int mlpHidden, boolean qkvBias, double layerScaleInit, double eps,
            float dropRate, float attnDropRate, float dropPath, boolean identityMix) {
        this.norm1 = child("norm1", new LayerNorm(dim, eps));
        this.attn = child("attn", new TalkingHeadsAttention(dim, heads, qkvBias, attnDropRate, dropRate, identityMix));
        this.norm2 = child("norm2", new LayerNorm(dim, eps));
        this.mlp = child("mlp", new Mlp(dim, mlpHidden, dropRate));
        this.gamma1 = parameterWithoutDecay("gamma_1", new Shape(dim), Initializer.constant((float) layerScaleInit));
        this.gamma2 = parameterWithoutDecay("gamma_2", new Shape(dim), Initializer.constant((float) layerScaleInit));
        this.dropPath = dropPath;
    }

    public String export(OnnxExport e, String x, long dim) {
        OnnxGraph g = e.graph();
        String a = LayerScale.export(g, attn.export(e, norm1.export(g, x), dim), gamma1, path() + ".gamma_1");
        x = g.node("Add", new String[] {x, a});
        String m = LayerScale.export(g, mlp.export(g, norm2.export(g, x)), gamma2, path() + ".gamma_2");
        return g.node("Add", new String[] {x, m});
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        x = x.add(DropPath.apply(LayerScale.scale(attn.forward(norm1.forward(x), ctx), gamma1), dropPath, ctx));
        return x.add(DropPath.apply(LayerScale.scale(mlp.forward(norm2.forward(x), ctx), gamma2), dropPath, ctx));
    }
}
