package dev.vit4j.training;

import ai.djl.ndarray.NDArray;

/**
 * SGD with momentum, as {@code torch.optim.SGD} (L2 weight decay added to the gradient, no dampening):
 * d = g + wd·p; b ← μ·b + d; p ← p − lr·b.
 */
public final class Sgd extends Optimizer {
    private final double momentum;

    public Sgd(double momentum, double weightDecay) {
        super(weightDecay);
        this.momentum = momentum;
    }

    @Override
    protected int stateSlots() {
        return 1;
    }

    @Override
    protected void update(NDArray p, NDArray g, NDArray[] s, double lr, double decay) {
        NDArray d = decay != 0 ? g.add(p.mul(decay)) : g;
        NDArray b = s[0];
        if (steps == 1) {
            b.addi(d);
        } else {
            b.muli(momentum).addi(d);
        }
        p.subi(b.mul(lr));
        clear(g);
    }
}
