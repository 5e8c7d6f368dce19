package dev.vit4j.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter), as {@code torch.optim.AdamW}:
 * p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * p ← p − lr·(m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).
 *
 * <p>One native call per parameter (DJL's fused {@code adamUpdate}, which also clears the gradient) instead
 * of a dozen element-wise ops: it computes p ← p − lr′·m / (√v + ε′), so the bias corrections are folded
 * into lr′ = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and ε′ = ε·√(1−β₂ᵗ), which is the formula above rearranged.
 */
public final class AdamW extends AdaptiveMomentOptimizer {
    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        super(beta1, beta2, eps, weightDecay);
    }

    @Override
    protected void update(NDArray p, NDArray g, NDArray[] s, double lr, double decay) {
        // The kernel takes β as floats (and forms 1 − β from them), so the bias corrections use the same
        // float β: the moments' weights then sum to exactly what the corrections divide by.
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        double sqrtBc2 = Math.sqrt(1 - Math.pow(b2, steps));
        p.getNDArrayInternal()
                .adamUpdate(
                        new NDList(p, g, s[0], s[1]),
                        new NDList(p),
                        (float) lr,
                        (float) (lr * sqrtBc2 / (1 - Math.pow(b1, steps))),
                        (float) decay,
                        1f,
                        -1f,
                        b1,
                        b2,
                        (float) (eps * sqrtBc2),
                        false,
                        true);
    }
}
