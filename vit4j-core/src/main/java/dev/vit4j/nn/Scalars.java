package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplication by a constant that is safe under autograd. DJL's {@code mul(Number)} wraps the number in
 * a tensor over a Java direct buffer and closes it right after the operation; autograd keeps that tensor
 * for the backward pass, and once the buffer is collected the backward pass reads freed memory (NaN or
 * silently different gradients, depending on GC timing). A tensor allocated by PyTorch itself owns its
 * memory and is safe to keep.
 */
public final class Scalars {
    private Scalars() {}

    public static NDArray times(NDArray x, double value) {
        return x.mul(x.getManager().full(new Shape(), (float) value, x.getDataType()));
    }
}
