package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;

/** Element-wise dropout, active only while training. */
public final class Dropout {
    private Dropout() {}

    public static NDArray apply(NDArray x, float rate, ForwardContext ctx) {
        if (!ctx.isTraining() || rate <= 0f) {
            return x;
        }
        return ai.djl.nn.norm.Dropout.dropout(x, rate, true).singletonOrThrow();
    }
}
