package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;

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
