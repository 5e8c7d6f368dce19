package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;

/** Reshapes between tokens (B × N × C) and heads (B × H × N × C/H), the layout every attention uses. */
final class Heads {
    private Heads() {
    }

    static NDArray split(NDArray x, int heads) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long c = x.getShape().get(2);
        return x.reshape(b, n, heads, c / heads).transpose(0, 2, 1, 3);
    }

    static NDArray merge(NDArray x) {
        long b = x.getShape().get(0);
        long h = x.getShape().get(1);
        long n = x.getShape().get(2);
        long d = x.getShape().get(3);
        return x.transpose(0, 2, 1, 3).reshape(b, n, h * d);
    }

    /** q·kᵀ for (B × H × Nq × d) and (B × H × Nk × d). */
    static NDArray scores(NDArray q, NDArray k) {
        return q.matMul(k.transpose(0, 1, 3, 2));
    }
}
