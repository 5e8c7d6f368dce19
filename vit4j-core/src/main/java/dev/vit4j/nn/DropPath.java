package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Stochastic depth: while training, drops the residual branch of whole samples with probability
 * {@code rate} and scales the kept ones by {@code 1/(1-rate)}; the identity at inference.
 */
public final class DropPath {
    private DropPath() {}

    public static NDArray apply(NDArray x, float rate, ForwardContext ctx) {
        if (!ctx.isTraining() || rate <= 0f) {
            return x;
        }
        float keep = 1f - rate;
        long[] maskShape = new long[x.getShape().dimension()];
        java.util.Arrays.fill(maskShape, 1);
        maskShape[0] = x.getShape().get(0);
        NDArray mask = x.getManager()
                .randomUniform(0f, 1f, new Shape(maskShape))
                .lt(keep)
                .toType(DataType.FLOAT32, false);
        return x.mul(mask.div(keep));
    }
}
