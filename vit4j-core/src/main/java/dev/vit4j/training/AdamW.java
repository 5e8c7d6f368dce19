package dev.vit4j.training;

import ai.djl.ndarray.NDArray;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter), as {@code torch.optim.AdamW}:
 * p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * p ← p − lr·(m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).
 */
public final class AdamW extends AdaptiveMomentOptimizer {
    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        super(beta1, beta2, eps, weightDecay);
    }

    @Override
    protected void update(NDArray p, NDArray g, NDArray[] s, double lr, double decay) {
        NDArray m = s[0];
        NDArray v = s[1];
        updateMoments(m, v, g);
        double bc1 = biasCorrection1();
        double bc2 = biasCorrection2();
        if (decay != 0) {
            p.muli(1 - lr * decay);
        }
        NDArray denom = v.div(bc2).sqrt().addi(eps);
        p.subi(m.div(denom).muli(lr / bc1));
    }
}
