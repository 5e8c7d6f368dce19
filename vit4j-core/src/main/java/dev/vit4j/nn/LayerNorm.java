package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.onnx.OnnxGraph;

/** LayerNorm over the last axis with a configurable epsilon (timm uses 1e-6, Hugging Face ViT 1e-12). */
public final class LayerNorm extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final Shape normalized;
    private final float eps;

    public LayerNorm(int dim, double eps) {
        this.normalized = new Shape(dim);
        this.eps = (float) eps;
        this.weight = parameter("weight", normalized, Initializer.ONES);
        this.bias = parameter("bias", normalized, Initializer.ZEROS);
    }

    public String export(OnnxGraph g, String x) {
        return g.node(
                "LayerNormalization",
                new String[] {
                    x,
                    g.initializer(
                            path() + ".weight",
                            normalized.getShape(),
                            weight.array().toFloatArray()),
                    g.initializer(
                            path() + ".bias",
                            normalized.getShape(),
                            bias.array().toFloatArray())
                },
                OnnxGraph.Attr.of("axis", -1L),
                OnnxGraph.Attr.of("epsilon", eps));
    }

    /**
     * ONNX Runtime's fused {@code SkipLayerNormalization}: this norm of {@code input + skip + bias} (bias may
     * be null), returned with the sum itself as {normalized, sum}.
     */
    public String[] exportSkip(OnnxGraph g, String input, String skip, String bias) {
        return g.microsoftNode(
                "SkipLayerNormalization",
                new String[] {
                    input,
                    skip,
                    g.initializer(
                            path() + ".weight",
                            normalized.getShape(),
                            weight.array().toFloatArray()),
                    g.initializer(
                            path() + ".bias",
                            normalized.getShape(),
                            this.bias.array().toFloatArray()),
                    bias == null ? "" : bias
                },
                new int[] {0, 3},
                OnnxGraph.Attr.of("epsilon", eps));
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalized, weight.array(), bias.array(), eps)
                .singletonOrThrow();
    }
}
