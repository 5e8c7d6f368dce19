package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/**
 * CaiT's class attention: only the class token queries; keys and values come from the class token and
 * all patches ({@code x} is [cls, patches]). Output is the updated class token, B × 1 × C. Records
 * {@code attention.<block>} of shape B × H × 1 × (1 + patches).
 */
public final class ClassAttention extends Module {
    private final int heads;
    private final float scale;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear proj;
    private final float attnDrop;
    private final float projDrop;

    public ClassAttention(int dim, int heads, boolean qkvBias, float attnDrop, float projDrop) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("embed dim " + dim + " is not divisible by " + heads + " heads");
        }
        this.heads = heads;
        this.scale = (float) Math.pow(dim / heads, -0.5);
        this.q = child("q", new Linear(dim, dim, qkvBias));
        this.k = child("k", new Linear(dim, dim, qkvBias));
        this.v = child("v", new Linear(dim, dim, qkvBias));
        this.proj = child("proj", new Linear(dim, dim, true));
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    public String export(OnnxExport e, String x, long dim) {
        OnnxGraph g = e.graph();
        String cls = g.node("Slice", new String[] {x, g.ints(0), g.ints(1), g.ints(1)});
        String query = g.node("Mul", new String[] {Heads.split(g, q.export(g, cls), heads, dim / heads), g.scalar(scale)});
        String key = Heads.split(g, k.export(g, x), heads, dim / heads);
        String value = Heads.split(g, v.export(g, x), heads, dim / heads);
        String attn = g.node("Softmax", new String[] {Heads.scores(g, query, key)}, OnnxGraph.Attr.of("axis", -1L));
        e.attention(AttentionRecorder.ATTENTION, path(), attn);
        return proj.export(g, Heads.merge(g, g.node("MatMul", new String[] {attn, value}), dim));
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray cls = x.get(":, 0:1, :");
        NDArray query = Scalars.times(Heads.split(q.forward(cls), heads), scale);
        NDArray key = Heads.split(k.forward(x), heads);
        NDArray value = Heads.split(v.forward(x), heads);
        NDArray attn = Heads.scores(query, key).softmax(-1);
        if (ctx.recorder() != null) {
            ctx.recorder().record(AttentionRecorder.ATTENTION, path(), attn);
        }
        attn = Dropout.apply(attn, attnDrop, ctx);
        NDArray out = Heads.merge(attn.matMul(value));
        return Dropout.apply(proj.forward(out), projDrop, ctx);
    }
}
