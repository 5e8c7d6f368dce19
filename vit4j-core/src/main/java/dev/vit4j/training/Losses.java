package dev.vit4j.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.vit4j.nn.Scalars;

/** Training losses, averaged over the batch. */
public final class Losses {
    private Losses() {}

    /**
     * Cross-entropy with label smoothing ε (timm's {@code LabelSmoothingCrossEntropy}):
     * (1 − ε)·(−log p_y) + ε·mean_k(−log p_k).
     */
    public static NDArray crossEntropy(NDArray logits, int[] labels, double smoothing) {
        int classes = (int) logits.getShape().get(1);
        NDArray logp = logits.logSoftmax(-1);
        NDArray target = logits.getManager().create(labels).oneHot(classes).toType(DataType.FLOAT32, false);
        NDArray nll = logp.mul(target).sum(new int[] {1}).neg();
        if (smoothing <= 0) {
            return nll.mean();
        }
        NDArray uniform = logp.mean(new int[] {1}).neg();
        return Scalars.times(nll, 1 - smoothing)
                .add(Scalars.times(uniform, smoothing))
                .mean();
    }

    /** Mean squared error against one target per sample (regression heads with one output). */
    public static NDArray meanSquaredError(NDArray outputs, float[] targets) {
        NDArray t = outputs.getManager().create(targets).reshape(outputs.getShape());
        return outputs.sub(t).square().mean();
    }
}
