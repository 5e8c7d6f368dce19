package dev.vit4j.models.cait;

import ai.djl.ndarray.NDArray;
import dev.vit4j.nn.AttentionRecorder;
import dev.vit4j.nn.Dropout;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Heads;
import dev.vit4j.nn.Initializer;
import dev.vit4j.nn.Linear;
import dev.vit4j.nn.Module;
import dev.vit4j.nn.Parameter;
import dev.vit4j.nn.PendingResidual;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/**
 * Talking-heads attention (Shazeer et al. 2020) as CaiT uses it: the heads' logits are mixed by
 * {@code proj_l} before the softmax and the heads' weights by {@code proj_w} after it. Records
 * {@code attention_softmax.<block>} (the softmax, before {@code proj_w}) and {@code attention.<block>}
 * (after {@code proj_w}: what multiplies V).
 */
public final class TalkingHeadsAttention extends Module {
    private final int heads;
    private final float scale;
    private final Linear qkv;
    private final Linear projL;
    private final Linear projW;
    private final Linear proj;
    private final float attnDrop;
    private final float projDrop;

    public TalkingHeadsAttention(int dim, int heads, boolean qkvBias, float attnDrop, float projDrop) {
        this(dim, heads, qkvBias, attnDrop, projDrop, false);
    }

    /**
     * {@code identityMix}: start the head mixes at the identity (plus timm's noise) instead of timm's
     * near-zero init, so the layer starts as plain multi-head attention — small models trained from
     * scratch learn much faster that way.
     */
    public TalkingHeadsAttention(
            int dim, int heads, boolean qkvBias, float attnDrop, float projDrop, boolean identityMix) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("embed dim " + dim + " is not divisible by " + heads + " heads");
        }
        this.heads = heads;
        this.scale = (float) Math.pow(dim / heads, -0.5);
        this.qkv = child("qkv", new Linear(dim, dim * 3, qkvBias));
        this.proj = child("proj", new Linear(dim, dim, true));
        Initializer mixInit = identityMix ? Initializer.identityPlusNoise(0.02) : Initializer.truncatedNormal(0.02);
        this.projL = child("proj_l", new Linear(heads, heads, true, mixInit));
        this.projW = child("proj_w", new Linear(heads, heads, true, mixInit));
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    /** The residual branch {@code stream + γ·attention(x)} (see {@link Linear#exportResidual}). */
    public PendingResidual export(OnnxExport e, String x, long dim, Parameter layerScale, String stream) {
        OnnxGraph g = e.graph();
        String[] qkvHeads = Heads.qkv(g, qkv.exportScoreProjection(e, x), heads, dim, scale);
        String logits = exportMix(g, projL, Heads.scores(g, qkvHeads[0], qkvHeads[1]));
        String softmax = g.node("Softmax", new String[] {logits}, OnnxGraph.Attr.of("axis", -1L));
        String attn = exportMix(g, projW, softmax);
        e.attention(AttentionRecorder.ATTENTION_SOFTMAX, path(), softmax);
        e.attention(AttentionRecorder.ATTENTION, path(), attn);
        return proj.exportResidual(
                e, Heads.merge(g, g.node("MatMul", new String[] {attn, qkvHeads[2]}), dim), layerScale, stream);
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray[] qkvHeads = Heads.qkv(qkv.forward(x), heads, scale);
        NDArray q = qkvHeads[0];
        NDArray k = qkvHeads[1];
        NDArray v = qkvHeads[2];
        NDArray logits = mixHeads(projL, Heads.scores(q, k));
        NDArray softmax = logits.softmax(-1);
        NDArray attn = mixHeads(projW, softmax);
        if (ctx.recorder() != null) {
            ctx.recorder().record(AttentionRecorder.ATTENTION_SOFTMAX, path(), softmax);
            ctx.recorder().record(AttentionRecorder.ATTENTION, path(), attn);
        }
        attn = Dropout.apply(attn, attnDrop, ctx);
        NDArray out = Heads.merge(attn.matMul(v));
        return Dropout.apply(proj.forward(out), projDrop, ctx);
    }

    /**
     * In the ONNX graph the head mix is a 1×1 convolution with the heads as channels: on ONNX Runtime it
     * measured 1.14× the images/s of timm's permute → Linear → permute export for cait_xxs24_224 at batch 8
     * (`vit4j bench`, same run); PyTorch eager is the other way round (see {@link #mixHeads}).
     */
    private static String exportMix(OnnxGraph g, Linear mix, String attn) {
        return mix.exportAsPointwiseConv(g, attn);
    }

    /**
     * Applies a heads × heads linear map across the head axis of B × H × Nq × Nk. timm permutes, applies
     * Linear and permutes back; the batched matmul W · A computes the same without the strided copies
     * (whose cost dominated CaiT's training step on 2 cores).
     */
    private static NDArray mixHeads(Linear mix, NDArray attn) {
        return mix.forwardOnAxis1(attn);
    }
}
