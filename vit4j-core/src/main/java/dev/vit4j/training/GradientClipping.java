package dev.vit4j.training;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.vit4j.nn.Parameter;
import java.util.Collection;

/** Clips the global gradient norm, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {
    private GradientClipping() {}

    /** Scales every gradient by max/(norm + 1e-6) when the global L2 norm exceeds {@code maxNorm}; returns the norm. */
    public static double clip(Collection<Parameter> params, double maxNorm) {
        NDList squares = new NDList();
        for (Parameter p : params) {
            if (p.trainable()) {
                squares.add(p.array().getGradient().square().sum());
            }
        }
        // One read-back for the whole norm rather than one per parameter.
        double norm =
                squares.isEmpty() ? 0 : Math.sqrt(NDArrays.stack(squares).sum().getFloat());
        if (maxNorm > 0 && norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            for (Parameter p : params) {
                if (p.trainable()) {
                    p.array().getGradient().muli(scale);
                }
            }
        }
        return norm;
    }
}
