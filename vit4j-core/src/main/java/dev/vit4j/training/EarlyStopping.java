package dev.vit4j.training;

import com.fasterxml.jackson.annotation.JsonAutoDetect;

/**
 * Keras {@code EarlyStopping}: stop when the monitored value has not improved by more than
 * {@code minDelta} for {@code patience} epochs; the trainer then restores the best weights
 * ({@code restore_best_weights=True}).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public final class EarlyStopping {
    private int patience;
    private double minDelta;
    private boolean maximize;
    private double best = Double.NaN;
    private int bestEpoch = -1;
    private int wait;

    EarlyStopping() {}

    public EarlyStopping(int patience, double minDelta, boolean maximize) {
        this.patience = patience;
        this.minDelta = minDelta;
        this.maximize = maximize;
    }

    /** True when {@code value} is the best so far (the trainer keeps those weights). */
    public boolean isImprovement(double value) {
        return Double.isNaN(best) || (maximize ? value > best + minDelta : value < best - minDelta);
    }

    /** Feeds one epoch; returns true when training should stop. */
    public boolean observe(int epoch, double value) {
        if (isImprovement(value)) {
            best = value;
            bestEpoch = epoch;
            wait = 0;
            return false;
        }
        return ++wait >= patience;
    }

    public int bestEpoch() {
        return bestEpoch;
    }

    public double best() {
        return best;
    }
}
