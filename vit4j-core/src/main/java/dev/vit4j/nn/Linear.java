package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.onnx.Int8Weights;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;
import dev.vit4j.onnx.Quantization;

/** {@code y = x W^T + b} on the last axis; weight is out × in as in PyTorch. */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out, boolean bias) {
        this(in, out, bias, Initializer.truncatedNormal(0.02));
    }

    public Linear(int in, int out, boolean bias, Initializer weightInit) {
        this.weight = parameter("weight", new Shape(out, in), weightInit);
        this.bias = bias ? parameter("bias", new Shape(out), Initializer.ZEROS) : null;
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight.array(), bias == null ? null : bias.array())
                .singletonOrThrow();
    }

    /**
     * The same map applied along axis 1 of B × C × … (what a 1×1 convolution does), as one batched matmul
     * W · x over the flattened trailing axes: no transposes, and the output is contiguous.
     */
    public NDArray forwardOnAxis1(NDArray x) {
        Shape s = x.getShape();
        long out = weight.shape().get(0);
        // Broadcast W to B × out × in first: PyTorch's matmul folds a 2-D left operand by transposing
        // (copying) the right one, while 3-D × 3-D goes straight to bmm.
        NDArray w = weight.array().expandDims(0).broadcast(s.get(0), out, s.get(1));
        NDArray y = w.matMul(x.reshape(s.get(0), s.get(1), -1));
        if (bias != null) {
            y = y.add(bias.array().reshape(out, 1));
        }
        return y.reshape(new Shape(s.get(0), out).addAll(s.slice(2)));
    }

    /** x·Wᵀ, then Add of the bias. */
    public String export(OnnxExport e, String x) {
        return exportResidual(e, x, null, null).sum(e.graph());
    }

    /**
     * A projection whose output becomes attention scores (queries, keys). In a graph that outputs attention it
     * stays float32 even under int8: the maps are what probing reads, and int8 queries and keys moved them by
     * up to 0.026 on a 64-token CaiT (0.018 this way, docs/performance.md). Elsewhere as {@link #export}.
     */
    public String exportScoreProjection(OnnxExport e, String x) {
        boolean int8 = e.quantization() == Quantization.INT8_DYNAMIC && !e.withAttention();
        return residual(e, x, null, null, int8).sum(e.graph());
    }

    /**
     * {@code stream + (x Wᵀ + b)·scale} with the sum left pending for the next norm (a null stream: just the
     * product and its bias); {@code layerScale} (a LayerScale's γ, or null) is folded into the weight's
     * columns and the bias, which saves a Mul per residual branch.
     */
    public PendingResidual exportResidual(OnnxExport e, String x, Parameter layerScale, String stream) {
        return residual(e, x, layerScale, stream, e.quantization() == Quantization.INT8_DYNAMIC);
    }

    private PendingResidual residual(OnnxExport e, String x, Parameter layerScale, String stream, boolean int8) {
        float[] s = layerScale == null ? null : layerScale.array().toFloatArray();
        OnnxGraph g = e.graph();
        String product = int8 ? int8Product(e, x, s) : g.node("MatMul", new String[] {x, weightInitializer(g, s)});
        return new PendingResidual(stream, product, bias == null ? null : biasInitializer(g, s));
    }

    /**
     * x·Wᵀ with int8 weights and x quantized to uint8 at run time: ONNX Runtime's one
     * {@code DynamicQuantizeMatMul} kernel, or in standard ONNX DynamicQuantizeLinear → MatMulInteger →
     * Cast → Mul by (x's scale · W's column scales), which ONNX Runtime fuses back into that kernel.
     */
    private String int8Product(OnnxExport e, String x, float[] scale) {
        OnnxGraph g = e.graph();
        String[] w = int8WeightTransposed(g, scale);
        if (e.onnxRuntimeKernels()) {
            return g.microsoftNode("DynamicQuantizeMatMul", new String[] {x, w[0], w[1]}, new int[] {0})[0];
        }
        String[] q = g.nodeOutputs("DynamicQuantizeLinear", new String[] {x}, 3);
        String product = g.node("MatMulInteger", new String[] {q[0], w[0], q[2]});
        String asFloat = g.node("Cast", new String[] {product}, OnnxGraph.Attr.of("to", 1L));
        return g.node("Mul", new String[] {asFloat, g.node("Mul", new String[] {q[1], w[1]})});
    }

    /** The weight transposed (in × out), as MatMul and ONNX Runtime's fused kernels take it. */
    public String weightTransposed(OnnxGraph g) {
        return weightInitializer(g, null);
    }

    /** {@link #weightTransposed} as {@link Int8Weights}: {int8 values, per-column scales}. */
    public String[] int8WeightTransposed(OnnxGraph g) {
        return int8WeightTransposed(g, null);
    }

    private String[] int8WeightTransposed(OnnxGraph g, float[] scale) {
        int out = (int) weight.shape().get(0);
        int in = (int) weight.shape().get(1);
        String name = path() + ".weight_t" + (scale == null ? "" : "_scaled");
        Int8Weights q = Int8Weights.perColumn(transposed(scale), in, out);
        return new String[] {
            g.initializerInt8(name + "_int8", new long[] {in, out}, q.values()),
            g.initializer(name + "_int8_scale", new long[] {out}, q.scales())
        };
    }

    /** The bias, or zeros where the layer has none (for kernels whose bias input is not optional). */
    public String biasOrZeros(OnnxGraph g) {
        long out = weight.shape().get(0);
        return bias == null
                ? g.initializer(path() + ".zero_bias", new long[] {out}, new float[(int) out])
                : biasInitializer(g, null);
    }

    /** b with entry o scaled by {@code scale[o]} (null: unscaled). */
    private String biasInitializer(OnnxGraph g, float[] scale) {
        float[] v = bias.array().toFloatArray();
        for (int o = 0; scale != null && o < v.length; o++) {
            v[o] *= scale[o];
        }
        return g.initializer(path() + ".bias" + (scale == null ? "" : "_scaled"), new long[] {v.length}, v);
    }

    /** Wᵀ with column o scaled by {@code scale[o]} (null: unscaled). */
    private String weightInitializer(OnnxGraph g, float[] scale) {
        long out = weight.shape().get(0);
        long in = weight.shape().get(1);
        return g.initializer(
                path() + ".weight_t" + (scale == null ? "" : "_scaled"), new long[] {in, out}, transposed(scale));
    }

    /** Wᵀ (in × out, row-major) with column o scaled by {@code scale[o]} (null: unscaled). */
    private float[] transposed(float[] scale) {
        long out = weight.shape().get(0);
        long in = weight.shape().get(1);
        float[] w = weight.array().toFloatArray();
        float[] t = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t[(int) (i * out + o)] = w[(int) (o * in + i)] * (scale == null ? 1f : scale[o]);
            }
        }
        return t;
    }

    /** The weight as a 1×1 convolution kernel (out × in × 1 × 1): mixes the channel axis of B × C × H × W. */
    public String exportAsPointwiseConv(OnnxGraph g, String x) {
        long out = weight.shape().get(0);
        long in = weight.shape().get(1);
        return g.node("Conv", new String[] {
            x,
            g.initializer(
                    path() + ".weight",
                    new long[] {out, in, 1, 1},
                    weight.array().toFloatArray()),
            g.initializer(path() + ".bias", new long[] {out}, bias.array().toFloatArray())
        });
    }
}
