package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code y = x W^T + b} on the last axis; weight is out × in as in PyTorch. */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out, boolean bias) {
        this.weight = parameter("weight", new Shape(out, in), Initializer.truncatedNormal(0.02));
        this.bias = bias ? parameter("bias", new Shape(out), Initializer.ZEROS) : null;
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight.array(), bias == null ? null : bias.array()).singletonOrThrow();
    }
}
