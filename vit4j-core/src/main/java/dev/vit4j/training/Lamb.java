package dev.vit4j.training;

import ai.djl.ndarray.NDArray;

/**
 * LAMB (You et al. 2019), as timm's {@code Lamb}: the Adam direction with bias correction plus decoupled
 * weight decay, u = m̂ / (√v̂ + ε) + wd·p, scaled per parameter by the trust ratio ‖p‖ / ‖u‖ (1 where either
 * norm is 0); like timm, the trust ratio applies to the parameters that decay.
 */
public final class Lamb extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;

    public Lamb(double beta1, double beta2, double eps, double weightDecay) {
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
        NDArray u = m.div(bc1).divi(v.div(bc2).sqrt().addi(eps));
        if (decay != 0) {
            u.addi(p.mul(decay));
            double wNorm = p.norm().getFloat();
            double uNorm = u.norm().getFloat();
            double trust = wNorm > 0 && uNorm > 0 ? wNorm / uNorm : 1.0;
            u.muli(trust);
        }
        p.subi(u.muli(lr));
    }
}
