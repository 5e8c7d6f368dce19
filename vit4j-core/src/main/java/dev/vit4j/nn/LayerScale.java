package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Per-channel learned scale of a residual branch (CaiT, Touvron et al. 2021), timm's {@code ls1.gamma}.
 * CaiT blocks keep the same vector directly as {@code gamma_1}/{@code gamma_2}; they call
 * {@link #scale} with it.
 */
public final class LayerScale extends Module {
    private final Parameter gamma;

    public LayerScale(int dim, double initValue) {
        this.gamma = parameterWithoutDecay("gamma", new Shape(dim), Initializer.constant((float) initValue));
    }

    public Parameter gamma() {
        return gamma;
    }

    public NDArray forward(NDArray x) {
        return scale(x, gamma);
    }

    public String export(dev.vit4j.onnx.OnnxGraph g, String x) {
        return export(g, x, gamma, path() + ".gamma");
    }

    public static String export(dev.vit4j.onnx.OnnxGraph g, String x, Parameter gamma, String name) {
        return g.node("Mul", new String[] {
            x, g.initializer(name, gamma.shape().getShape(), gamma.array().toFloatArray())
        });
    }

    public static NDArray scale(NDArray x, Parameter gamma) {
        return x.mul(gamma.array());
    }
}
