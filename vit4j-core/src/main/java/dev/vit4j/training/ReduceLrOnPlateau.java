package dev.vit4j.training;

import com.fasterxml.jackson.annotation.JsonAutoDetect;

/**
 * Keras {@code ReduceLROnPlateau}: when the monitored value has not improved by more than
 * {@code minDelta} for {@code patience} epochs, multiply the learning rate by {@code factor} (not below
 * {@code minLr}), then wait {@code cooldown} epochs before counting again.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public final class ReduceLrOnPlateau {
    private double factor;
    private int patience;
    private double minDelta;
    private int cooldown;
    private boolean maximize;
    private double best = Double.NaN;
    private int wait;
    private int cooldownLeft;
    private double scale = 1.0;

    ReduceLrOnPlateau() {}

    public ReduceLrOnPlateau(double factor, int patience, double minDelta, int cooldown, boolean maximize) {
        this.factor = factor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.cooldown = cooldown;
        this.maximize = maximize;
    }

    /** Multiplier on the scheduled rate. */
    public double scale() {
        return scale;
    }

    /** Feeds one epoch's monitored value; returns true when the rate was just reduced. */
    public boolean observe(double value, double currentLr, double minLr) {
        if (cooldownLeft > 0) {
            cooldownLeft--;
            wait = 0;
        }
        if (Double.isNaN(best) || (maximize ? value > best + minDelta : value < best - minDelta)) {
            best = value;
            wait = 0;
            return false;
        }
        if (cooldownLeft > 0) {
            return false;
        }
        if (++wait >= patience) {
            double next = Math.max(currentLr * factor, minLr);
            boolean reduced = next < currentLr;
            if (reduced) {
                scale *= next / currentLr;
            }
            cooldownLeft = cooldown;
            wait = 0;
            return reduced;
        }
        return false;
    }
}
