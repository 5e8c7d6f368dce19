package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/** fc1 → activation (GELU, exact erf form, as {@code nn.GELU()}, or QuickGELU) → dropout → fc2 → dropout. */
public final class Mlp extends Module {
    private final Linear fc1;
    private final Linear fc2;
    private final float dropRate;
    private final MlpActivation activation;

    public Mlp(int dim, int hidden, float dropRate) {
        this(dim, hidden, dropRate, MlpActivation.GELU);
    }

    public Mlp(int dim, int hidden, float dropRate, MlpActivation activation) {
        this.fc1 = child("fc1", new Linear(dim, hidden, true));
        this.fc2 = child("fc2", new Linear(hidden, dim, true));
        this.dropRate = dropRate;
        this.activation = activation;
    }

    /** fc1, the activation, fc2. */
    public String export(OnnxExport e, String x) {
        return exportResidual(e, x, null, null).sum(e.graph());
    }

    /** As {@link #export}, as the residual branch {@code stream + γ·mlp(x)} (see {@link Linear#exportResidual}). */
    public PendingResidual exportResidual(OnnxExport e, String x, Parameter layerScale, String stream) {
        OnnxGraph g = e.graph();
        return fc2.exportResidual(e, activation.export(g, fc1.export(e, x)), layerScale, stream);
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray h = Dropout.apply(activation.forward(fc1.forward(x)), dropRate, ctx);
        return Dropout.apply(fc2.forward(h), dropRate, ctx);
    }
}
