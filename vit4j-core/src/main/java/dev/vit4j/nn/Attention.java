package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;
import dev.vit4j.onnx.Quantization;

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
    private final boolean causal;

    public Attention(int dim, int heads, boolean qkvBias, float attnDrop, float projDrop) {
        this(dim, heads, qkvBias, attnDrop, projDrop, false);
    }

    /** With {@code causal}, token i attends to tokens 0…i only (a text tower's causal mask, as CLIP's). */
    public Attention(int dim, int heads, boolean qkvBias, float attnDrop, float projDrop, boolean causal) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("embed dim " + dim + " is not divisible by " + heads + " heads");
        }
        this.heads = heads;
        this.scale = (float) Math.pow(dim / heads, -0.5);
        this.qkv = child("qkv", new Linear(dim, dim * 3, qkvBias));
        this.proj = child("proj", new Linear(dim, dim, true));
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
        this.causal = causal;
    }

    /**
     * The residual branch {@code stream + γ·attention(x)} ({@code layerScale} γ may be null). Without attention outputs, on ONNX Runtime,
     * the qkv projection, the heads' softmax(q·kᵀ/√d)·v and the merge are its one fused {@code Attention}
     * kernel ({@code QAttention} with int8 weights); otherwise explicit nodes that expose the attention
     * probabilities.
     */
    public PendingResidual export(OnnxExport e, String x, long dim, Parameter layerScale, String stream) {
        OnnxGraph g = e.graph();
        String merged;
        if (e.onnxRuntimeKernels()
                && !e.withAttention()
                && e.quantization() == Quantization.INT8_DYNAMIC
                && scale == (float) Math.pow(dim / heads, -0.5)) {
            // QAttention has no scale attribute: it always divides by √head_dim, as timm does.
            String[] q = g.nodeOutputs("DynamicQuantizeLinear", new String[] {x}, 3);
            String[] w = qkv.int8WeightTransposed(g);
            merged = g.microsoftNode(
                            "QAttention",
                            new String[] {q[0], w[0], qkv.biasOrZeros(g), q[1], w[1], "", q[2]},
                            new int[] {0},
                            OnnxGraph.Attr.of("num_heads", (long) heads),
                            OnnxGraph.Attr.of("unidirectional", causal ? 1L : 0L))[0];
        } else if (e.onnxRuntimeKernels() && !e.withAttention()) {
            merged = g.microsoftNode(
                            "Attention",
                            new String[] {x, qkv.weightTransposed(g), qkv.biasOrZeros(g)},
                            new int[] {0},
                            OnnxGraph.Attr.of("num_heads", (long) heads),
                            OnnxGraph.Attr.of("scale", scale),
                            OnnxGraph.Attr.of("unidirectional", causal ? 1L : 0L))[0];
        } else {
            String[] qkvHeads = Heads.qkv(g, qkv.exportScoreProjection(e, x), heads, dim, scale);
            String scores = Heads.scores(g, qkvHeads[0], qkvHeads[1]);
            if (causal) {
                scores = g.node("Add", new String[] {scores, causalMask(g, scores)});
            }
            String attn = g.node("Softmax", new String[] {scores}, OnnxGraph.Attr.of("axis", -1L));
            e.attention(AttentionRecorder.ATTENTION, path(), attn);
            merged = Heads.merge(g, g.node("MatMul", new String[] {attn, qkvHeads[2]}), dim);
        }
        return proj.exportResidual(e, merged, layerScale, stream);
    }

    /** N × N: 0 on and below the diagonal, -∞ above it (open_clip's {@code build_causal_mask}). */
    private static NDArray causalMask(NDArray scores) {
        int n = (int) scores.getShape().get(scores.getShape().dimension() - 1);
        float[] mask = new float[n * n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(mask, i * n + i + 1, (i + 1) * n, Float.NEGATIVE_INFINITY);
        }
        return scores.getManager().create(mask, new ai.djl.ndarray.types.Shape(n, n));
    }

    /** The same mask as graph nodes, sized from the scores (B × H × N × N): -∞ filled, upper triangle kept. */
    private static String causalMask(OnnxGraph g, String scores) {
        String shape = g.node("Shape", new String[] {scores});
        String square = g.node("Slice", new String[] {shape, g.ints(2), g.ints(4)});
        String filled = g.node("ConstantOfShape", new String[] {square}, OnnxGraph.Attr.of("value", new float[] {
            Float.NEGATIVE_INFINITY
        }));
        return g.node("Trilu", new String[] {filled, g.scalarInt(1)}, OnnxGraph.Attr.of("upper", 1L));
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray[] qkvHeads = Heads.qkv(qkv.forward(x), heads, scale);
        NDArray q = qkvHeads[0];
        NDArray k = qkvHeads[1];
        NDArray v = qkvHeads[2];
        NDArray scores = Heads.scores(q, k);
        if (causal) {
            scores = scores.add(causalMask(scores));
        }
        NDArray attn = scores.softmax(-1);
        if (ctx.recorder() != null) {
            ctx.recorder().record(AttentionRecorder.ATTENTION, path(), attn);
        }
        attn = Dropout.apply(attn, attnDrop, ctx);
        NDArray out = Heads.merge(attn.matMul(v));
        return Dropout.apply(proj.forward(out), projDrop, ctx);
    }
}
