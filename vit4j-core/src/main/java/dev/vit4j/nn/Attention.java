package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/**
 * Multi-head self-attention with a fused qkv projection (timm's {@code Attention}): softmax(q·kᵀ/√d)·v.
 * Records {@code attention.<block>} (B × H × N × N) when the context asks for it.
 */
public final class Attention extends Module {
    private final int heads;
    private final float scale;
    private final Linear qkv;
    private final Linear proj;
    private final float attnDrop;
    private final float projDrop;

    public Attention(int dim, int heads, boolean qkvBias, float attnDrop, float projDrop) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("embed dim " + dim + " is not divisible by " + heads + " heads");
        }
        this.heads = heads;
        this.scale = (float) Math.pow(dim / heads, -0.5);
        this.qkv = child("qkv", new Linear(dim, dim * 3, qkvBias));
        this.proj = child("proj", new Linear(dim, dim, true));
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    public String export(OnnxExport e, String x, long dim) {
        OnnxGraph g = e.graph();
        String[] qkvHeads = Heads.qkv(g, qkv.export(g, x), heads, dim, scale);
        String attn = g.node("Softmax", new String[] {Heads.scores(g, qkvHeads[0], qkvHeads[1])},
                OnnxGraph.Attr.of("axis", -1L));
        e.attention(AttentionRecorder.ATTENTION, path(), attn);
        return proj.export(g, Heads.merge(g, g.node("MatMul", new String[] {attn, qkvHeads[2]}), dim));
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray[] qkvHeads = Heads.qkv(qkv.forward(x), heads, scale);
        NDArray q = qkvHeads[0];
        NDArray k = qkvHeads[1];
        NDArray v = qkvHeads[2];
        NDArray attn = Heads.scores(q, k).softmax(-1);
        if (ctx.recorder() != null) {
            ctx.recorder().record(AttentionRecorder.ATTENTION, path(), attn);
        }
        attn = Dropout.apply(attn, attnDrop, ctx);
        NDArray out = Heads.merge(attn.matMul(v));
        return Dropout.apply(proj.forward(out), projDrop, ctx);
    }
}
