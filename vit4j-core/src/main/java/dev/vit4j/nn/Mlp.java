package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/** fc1 → GELU (exact erf form, as {@code nn.GELU()}) → dropout → fc2 → dropout. */
public final class Mlp extends Module {
    private final Linear fc1;
    private final Linear fc2;
    private final float dropRate;

    public Mlp(int dim, int hidden, float dropRate) {
        this.fc1 = child("fc1", new Linear(dim, hidden, true));
        this.fc2 = child("fc2", new Linear(hidden, dim, true));
        this.dropRate = dropRate;
    }

    /** fc1, GELU written as x·0.5·(1 + erf(x/√2)) (the pattern ONNX Runtime fuses into one kernel), fc2. */
    public String export(OnnxExport e, String x) {
        return exportResidual(e, x, null, null).sum(e.graph());
    }

    /** As {@link #export}, as the residual branch {@code stream + γ·mlp(x)} (see {@link Linear#exportResidual}). */
    public PendingResidual exportResidual(OnnxExport e, String x, Parameter layerScale, String stream) {
        OnnxGraph g = e.graph();
        String h = fc1.export(e, x);
        String erf = g.node("Erf", new String[] {g.node("Div", new String[] {h, g.scalar((float) Math.sqrt(2))})});
        String gelu = g.node("Mul", new String[] {
            g.node("Mul", new String[] {h, g.node("Add", new String[] {erf, g.scalar(1f)})}), g.scalar(0.5f)
        });
        return fc2.exportResidual(e, gelu, layerScale, stream);
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray h = Dropout.apply(Activation.gelu(fc1.forward(x)), dropRate, ctx);
        return Dropout.apply(fc2.forward(h), dropRate, ctx);
    }
}
