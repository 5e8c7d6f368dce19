package dev.vit4j.training;

/**
 * Linear warm-up from {@code warmupStart} to the base rate over the first warm-up steps, then cosine
 * decay to {@code minLr} at the last step (timm's warm-up + cosine, evaluated per step).
 */
public final class LearningRateSchedule {
    private final double base;
    private final double minLr;
    private final double warmupStart;
    private final long warmupSteps;
    private final long totalSteps;

    public LearningRateSchedule(double base, double minLr, double warmupStart, long warmupSteps, long totalSteps) {
        this.base = base;
        this.minLr = minLr;
        this.warmupStart = warmupStart;
        this.warmupSteps = warmupSteps;
        this.totalSteps = Math.max(1, totalSteps);
    }

    /** Rate for step {@code t} (0-based). */
    public double at(long t) {
        if (t < warmupSteps) {
            return warmupStart + (base - warmupStart) * (t + 1) / warmupSteps;
        }
        long span = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (double) (t - warmupSteps) / span);
        return minLr + 0.5 * (base - minLr) * (1 + Math.cos(Math.PI * progress));
    }
}
