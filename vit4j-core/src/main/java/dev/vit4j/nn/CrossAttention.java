package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/**
 * Multi-head cross-attention (the Perceiver's): queries from the latent array (L × D), keys and values from
 * the data array (N × D), softmax(q·kᵀ/√d)·v per head, then an output projection. Cost is L·N per head,
 * linear in the number of inputs. Records B × H × L × N as {@code attention.<name><suffix>}, or under the
 * layer's path when no name is given. With one head this is Keras' Perceiver example's
 * {@code Attention(use_scale=True)} plus the paper's output projection; CaiT's {@code ClassAttention} is the
 * case of one query, the class token.
 */
public class CrossAttention extends Module {
    private final int heads;
    private final float scale;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear proj;
    private final float attnDrop;
    private final float projDrop;

    public CrossAttention(int dim, int heads, float attnDrop, float projDrop) {
        this(dim, heads, true, attnDrop, projDrop);
    }

    public CrossAttention(int dim, int heads, boolean qkvBias, float attnDrop, float projDrop) {
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

    /** {@code latent}: B × L × D; {@code data}: B × N × D; {@code recordAs} null: recorded under the path. */
    public NDArray forward(NDArray latent, NDArray data, String recordAs, ForwardContext ctx) {
        return forward(latent, keysValues(data), recordAs, ctx);
    }

    /**
     * The data side, keys and values split into heads (B × heads × inputs × head dim each): it depends on the
     * data and these weights alone, so iterations that share the weights compute it once.
     */
    public NDArray[] keysValues(NDArray data) {
        return new NDArray[] {Heads.split(k.forward(data), heads), Heads.split(v.forward(data), heads)};
    }

    /** Attention from the latents to data whose {@link #keysValues} are already computed. */
    public NDArray forward(NDArray latent, NDArray[] keysValues, String recordAs, ForwardContext ctx) {
        NDArray query = Scalars.times(Heads.split(q.forward(latent), heads), scale);
        NDArray key = keysValues[0];
        NDArray value = keysValues[1];
        NDArray attn = Heads.scores(query, key).softmax(-1);
        if (ctx.recorder() != null) {
            if (recordAs == null) {
                ctx.recorder().record(AttentionRecorder.ATTENTION, path(), attn);
            } else {
                ctx.recorder().recordAs(AttentionRecorder.ATTENTION, recordAs, attn);
            }
        }
        attn = Dropout.apply(attn, attnDrop, ctx);
        return Dropout.apply(proj.forward(Heads.merge(attn.matMul(value))), projDrop, ctx);
    }

    /** {@link #keysValues} as graph nodes: {key, value}. */
    public String[] exportKeysValues(OnnxExport e, String data, long dim) {
        OnnxGraph g = e.graph();
        return new String[] {
            Heads.split(g, k.exportScoreProjection(e, data), heads, dim / heads),
            Heads.split(g, v.export(e, data), heads, dim / heads)
        };
    }

    /** ONNX: {@code latent} B × L × D (already expanded over the batch), {@code data} B × N × D. */
    public String export(OnnxExport e, String latent, String data, String recordAs, long dim) {
        return export(e, latent, exportKeysValues(e, data, dim), recordAs, dim);
    }

    public String export(OnnxExport e, String latent, String[] keysValues, String recordAs, long dim) {
        OnnxGraph g = e.graph();
        String query = g.node(
                "Mul",
                new String[] {Heads.split(g, q.exportScoreProjection(e, latent), heads, dim / heads), g.scalar(scale)});
        String key = keysValues[0];
        String value = keysValues[1];
        String attn = g.node("Softmax", new String[] {Heads.scores(g, query, key)}, OnnxGraph.Attr.of("axis", -1L));
        if (recordAs == null) {
            e.attention(AttentionRecorder.ATTENTION, path(), attn);
        } else {
            e.attentionAs(AttentionRecorder.ATTENTION, recordAs, attn);
        }
        return proj.export(e, Heads.merge(g, g.node("MatMul", new String[] {attn, value}), dim));
    }
}
