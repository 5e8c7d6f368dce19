package dev.vit4j.training;

import ai.djl.ndarray.NDArray;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter), as {@code torch.optim.AdamW}:
 * p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * p ← p − lr·(m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).
 */
public final class AdamW extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        super(weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    protected int stateSlots() {
        return 2;
    }

    @Override
    protected void update(NDArray p, NDArray g, NDArray[] s, double lr, double decay) {
        NDArray m = s[0];
        NDArray v = s[1];
        updateMoments(m, v, g, beta1, beta2);
        double bc1 = 1 - Math.pow(beta1, steps);
        double bc2 = 1 - Math.pow(beta2, steps);
        if (decay != 0) {
            p.muli(1 - lr * decay);
        }
        NDArray denom = v.div(bc2).sqrt().addi(eps);
        p.subi(m.div(denom).muli(lr / bc1));
    }
}
