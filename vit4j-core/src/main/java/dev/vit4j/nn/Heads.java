package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;

/** Reshapes between tokens (B × N × C) and heads (B × H × N × C/H), the layout every attention uses. */
public final class Heads {
    private Heads() {}

    public static NDArray split(NDArray x, int heads) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long c = x.getShape().get(2);
        return x.reshape(b, n, heads, c / heads).transpose(0, 2, 1, 3);
    }

    public static NDArray merge(NDArray x) {
        long b = x.getShape().get(0);
        long h = x.getShape().get(1);
        long n = x.getShape().get(2);
        long d = x.getShape().get(3);
        return x.transpose(0, 2, 1, 3).reshape(b, n, h * d);
    }

    /** ONNX: B × N × (H·d) → B × H × N × d. */
    public static String split(dev.vit4j.onnx.OnnxGraph g, String x, int heads, long headDim) {
        String r = g.node("Reshape", new String[] {x, g.ints(0, 0, heads, headDim)});
        return g.node("Transpose", new String[] {r}, dev.vit4j.onnx.OnnxGraph.Attr.of("perm", new long[] {0, 2, 1, 3}));
    }

    /** ONNX: B × H × N × d → B × N × (H·d). */
    public static String merge(dev.vit4j.onnx.OnnxGraph g, String x, long dim) {
        String t = g.node(
                "Transpose", new String[] {x}, dev.vit4j.onnx.OnnxGraph.Attr.of("perm", new long[] {0, 2, 1, 3}));
        return g.node("Reshape", new String[] {t, g.ints(0, 0, dim)});
    }

    /** ONNX: fused qkv projection output B × N × 3C → q (scaled), k, v as B × H × N × d. */
    public static String[] qkv(dev.vit4j.onnx.OnnxGraph g, String qkv, int heads, long dim, float scale) {
        String r = g.node("Reshape", new String[] {qkv, g.ints(0, 0, 3, heads, dim / heads)});
        String t = g.node(
                "Transpose", new String[] {r}, dev.vit4j.onnx.OnnxGraph.Attr.of("perm", new long[] {2, 0, 3, 1, 4}));
        String q = g.node("Gather", new String[] {t, g.scalarInt(0)}, dev.vit4j.onnx.OnnxGraph.Attr.of("axis", 0L));
        String k = g.node("Gather", new String[] {t, g.scalarInt(1)}, dev.vit4j.onnx.OnnxGraph.Attr.of("axis", 0L));
        String v = g.node("Gather", new String[] {t, g.scalarInt(2)}, dev.vit4j.onnx.OnnxGraph.Attr.of("axis", 0L));
        return new String[] {g.node("Mul", new String[] {q, g.scalar(scale)}), k, v};
    }

    /** ONNX: q·kᵀ. */
    public static String scores(dev.vit4j.onnx.OnnxGraph g, String q, String k) {
        String kt = g.node(
                "Transpose", new String[] {k}, dev.vit4j.onnx.OnnxGraph.Attr.of("perm", new long[] {0, 1, 3, 2}));
        return g.node("MatMul", new String[] {q, kt});
    }

    /** Fused qkv projection output B × N × 3C → q (scaled), k, v as B × H × N × d. */
    public static NDArray[] qkv(NDArray qkv, int heads, float scale) {
        long b = qkv.getShape().get(0);
        long n = qkv.getShape().get(1);
        long c = qkv.getShape().get(2) / 3;
        long d = c / heads;
        // The reshape after the transpose cannot be a view, so PyTorch copies once into contiguous memory:
        // q, k and v become contiguous slices, and neither the attention matmuls nor the backward pass
        // (the split's gradient is a plain concatenation) copy strided data again.
        NDArray packed = qkv.reshape(b, n, 3, heads, d)
                .transpose(2, 0, 3, 1, 4)
                .reshape(3 * b * heads, n, d)
                .reshape(3, b, heads, n, d);
        ai.djl.ndarray.NDList parts = packed.split(3, 0);
        return new NDArray[] {
            Scalars.times(parts.get(0).squeeze(0), scale),
            parts.get(1).squeeze(0),
            parts.get(2).squeeze(0)
        };
    }

    /** q·kᵀ for (B × H × Nq × d) and (B × H × Nk × d). */
    public static NDArray scores(NDArray q, NDArray k) {
        return q.matMul(k.transpose(0, 1, 3, 2));
    }
}
