package dev.vit4j.training;

import ai.djl.ndarray.NDArray;

/**
 * LAMB (You et al. 2019), as timm's {@code Lamb}: the Adam direction with bias correction plus decoupled
 * weight decay, u = m̂ / (√v̂ + ε) + wd·p, scaled per parameter by the trust ratio ‖p‖ / ‖u‖ (1 where either
 * norm is 0); like timm, the trust ratio applies to the parameters that decay.
 */
public final class Lamb extends AdaptiveMomentOptimizer {
    public Lamb(double beta1, double beta2, double eps, double weightDecay) {
        super(beta1, beta2, eps, weightDecay);
    }

    @Override
    protected void update(NDArray p, NDArray g, NDArray[] s, double lr, double decay) {
        NDArray m = s[0];
        NDArray v = s[1];
        updateMoments(m, v, g);
        double bc1 = biasCorrection1();
        double bc2 = biasCorrection2();
        NDArray u = m.div(bc1).divi(v.div(bc2).sqrt().addi(eps));
        if (decay != 0) {
            u.addi(p.mul(decay));
            double wNorm = p.norm().getFloat();
            double uNorm = u.norm().getFloat();
            double trust = wNorm > 0 && uNorm > 0 ? wNorm / uNorm : 1.0;
            u.muli(trust);
        }
        p.subi(u.muli(lr));
        clear(g);
    }
}
