package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.onnx.OnnxGraph;

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
        return ai.djl.nn.core.Linear.linear(x, weight.array(), bias == null ? null : bias.array()).singletonOrThrow();
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

    /** MatMul with the transposed weight (in × out), then Add of the bias. */
    public String export(OnnxGraph g, String x) {
        return exportResidual(g, x, null, null).sum(g);
    }

    /**
     * {@code stream + (x Wᵀ + b)·scale} with the sum left pending for the next norm (a null stream: just the
     * product and its bias); {@code layerScale} (a LayerScale's γ, or null) is folded into the weight's
     * columns and the bias, which saves a Mul per residual branch.
     */
    public PendingResidual exportResidual(OnnxGraph g, String x, Parameter layerScale, String stream) {
        float[] s = layerScale == null ? null : layerScale.array().toFloatArray();
        String product = g.node("MatMul", new String[] {x, weightInitializer(g, s)});
        return new PendingResidual(stream, product, bias == null ? null : biasInitializer(g, s));
    }

    /** The weight transposed (in × out), as MatMul and ONNX Runtime's fused kernels take it. */
    public String weightTransposed(OnnxGraph g) {
        return weightInitializer(g, null);
    }

    /** The bias, or zeros where the layer has none (for kernels whose bias input is not optional). */
    public String biasOrZeros(OnnxGraph g) {
        long out = weight.shape().get(0);
        return bias == null ? g.initializer(path() + ".zero_bias", new long[] {out}, new float[(int) out])
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
        float[] w = weight.array().toFloatArray();
        float[] t = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t[(int) (i * out + o)] = w[(int) (o * in + i)] * (scale == null ? 1f : scale[o]);
            }
        }
        return g.initializer(path() + ".weight_t" + (scale == null ? "" : "_scaled"), new long[] {in, out}, t);
    }

    /** The weight as a 1×1 convolution kernel (out × in × 1 × 1): mixes the channel axis of B × C × H × W. */
    public String exportAsPointwiseConv(OnnxGraph g, String x) {
        long out = weight.shape().get(0);
        long in = weight.shape().get(1);
        return g.node("Conv", new String[] {x,
            g.initializer(path() + ".weight", new long[] {out, in, 1, 1}, weight.array().toFloatArray()),
            g.initializer(path() + ".bias", new long[] {out}, bias.array().toFloatArray())});
    }
}
