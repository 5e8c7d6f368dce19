package dev.vit4j.training;

import ai.djl.ndarray.NDArray;

/** The Adam family (AdamW, LAMB): first and second moment estimates with bias correction. */
abstract class AdaptiveMomentOptimizer extends Optimizer {
    protected final double beta1;
    protected final double beta2;
    protected final double eps;

    AdaptiveMomentOptimizer(double beta1, double beta2, double eps, double weightDecay) {
        super(weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    protected final int stateSlots() {
        return 2;
    }

    /** The moment estimates, in place: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g². */
    protected final void updateMoments(NDArray m, NDArray v, NDArray g) {
        m.muli(beta1).addi(g.mul(1 - beta1));
        v.muli(beta2).addi(g.square().muli(1 - beta2));
    }

    /** 1 − β₁ᵗ for the current step. */
    protected final double biasCorrection1() {
        return 1 - Math.pow(beta1, steps);
    }

    /** 1 − β₂ᵗ for the current step. */
    protected final double biasCorrection2() {
        return 1 - Math.pow(beta2, steps);
    }
}
