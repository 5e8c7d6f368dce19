package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

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

    public NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray h = Dropout.apply(Activation.gelu(fc1.forward(x)), dropRate, ctx);
        return Dropout.apply(fc2.forward(h), dropRate, ctx);
    }
}
