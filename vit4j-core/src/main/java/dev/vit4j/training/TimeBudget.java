package dev.vit4j.training;

import java.util.Arrays;
import java.util.List;

/**
 * Fits a run into a wall-clock budget: after every epoch, as many further whole epochs as the time left
 * holds at the median epoch time so far (the median, so one epoch slowed by a noisy neighbour does not
 * cut the plan). The cosine schedule is stretched over the planned epochs, so the learning rate still
 * anneals to its minimum when the budget runs out, however fast the machine turns out to be.
 */
public final class TimeBudget {
    private TimeBudget() {}

    /**
     * Epochs in all for a run that has completed {@code history} and may spend {@code budgetSeconds} on
     * epochs, at most {@code maxEpochs}. Before the first epoch nothing is known, so the plan is the maximum.
     */
    public static int plannedEpochs(List<EpochRecord> history, double budgetSeconds, int maxEpochs) {
        if (history.isEmpty()) {
            return maxEpochs;
        }
        double[] seconds = history.stream().mapToDouble(EpochRecord::seconds).toArray();
        double spent = Arrays.stream(seconds).sum();
        Arrays.sort(seconds);
        int n = seconds.length;
        double median = n % 2 == 1 ? seconds[n / 2] : 0.5 * (seconds[n / 2 - 1] + seconds[n / 2]);
        long more = median > 0 ? (long) Math.floor((budgetSeconds - spent) / median) : maxEpochs;
        return (int) Math.min(maxEpochs, history.size() + Math.max(0, more));
    }
}
