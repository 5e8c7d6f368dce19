package dev.vit4j.models.cait;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.nn.DropPath;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Initializer;
import dev.vit4j.nn.LayerNorm;
import dev.vit4j.nn.LayerScale;
import dev.vit4j.nn.Mlp;
import dev.vit4j.nn.Module;
import dev.vit4j.nn.Parameter;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/**
 * CaiT's class-attention stage block (timm's {@code LayerScaleBlockClassAttn}): the class token reads the
 * (frozen) patch tokens. cls + γ₁·ClassAttention(norm1([cls, patches])), then cls + γ₂·Mlp(norm2(cls)).
 */
public final class ClassAttentionBlock extends Module {
    private final LayerNorm norm1;
    private final ClassAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final Parameter gamma1;
    private final Parameter gamma2;
    private final float dropPath;

    public ClassAttentionBlock(
            int dim,
            int heads,
            int mlpHidden,
            boolean qkvBias,
            double layerScaleInit,
            double eps,
            float dropRate,
            float attnDropRate,
            float dropPath) {
        this.norm1 = child("norm1", new LayerNorm(dim, eps));
        this.attn = child("attn", new ClassAttention(dim, heads, qkvBias, attnDropRate, dropRate));
        this.norm2 = child("norm2", new LayerNorm(dim, eps));
        this.mlp = child("mlp", new Mlp(dim, mlpHidden, dropRate));
        this.gamma1 = parameterWithoutDecay("gamma_1", new Shape(dim), Initializer.constant((float) layerScaleInit));
        this.gamma2 = parameterWithoutDecay("gamma_2", new Shape(dim), Initializer.constant((float) layerScaleInit));
        this.dropPath = dropPath;
    }

    public String export(OnnxExport e, String patches, String cls, long dim) {
        OnnxGraph g = e.graph();
        String u = g.node("Concat", new String[] {cls, patches}, OnnxGraph.Attr.of("axis", 1L));
        String a = LayerScale.export(g, attn.export(e, norm1.export(g, u), dim), gamma1, path() + ".gamma_1");
        cls = g.node("Add", new String[] {cls, a});
        String m = LayerScale.export(g, mlp.export(e, norm2.export(g, cls)), gamma2, path() + ".gamma_2");
        return g.node("Add", new String[] {cls, m});
    }

    /** {@code patches}: B × N × C; {@code cls}: B × 1 × C. Returns the new class token. */
    public NDArray forward(NDArray patches, NDArray cls, ForwardContext ctx) {
        NDArray u = NDArrays.concat(new NDList(cls, patches), 1);
        cls = cls.add(DropPath.apply(LayerScale.scale(attn.forward(norm1.forward(u), ctx), gamma1), dropPath, ctx));
        return cls.add(DropPath.apply(LayerScale.scale(mlp.forward(norm2.forward(cls), ctx), gamma2), dropPath, ctx));
    }
}
