package dev.vit4j.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeBudgetTest {
    private static List<EpochRecord> epochs(double... seconds) {
        List<EpochRecord> h = new ArrayList<>();
        for (double s : seconds) {
            h.add(new EpochRecord(h.size() + 1, 1e-3, 1, 0.5, 0.9, 1, 0.5, 0.9, s));
        }
        return h;
    }

    @Test
    void beforeTheFirstEpochThePlanIsTheMaximum() {
        assertEquals(30, TimeBudget.plannedEpochs(epochs(), 600, 30));
    }

    @Test
    void plansWholeEpochsAtTheMedianTime() {
        // 3 epochs took 100 s; the median is 30 s, so 500 s left hold 16 more.
        assertEquals(19, TimeBudget.plannedEpochs(epochs(30, 40, 30), 600, 30));
        // One very slow epoch does not move the median.
        assertEquals(24, TimeBudget.plannedEpochs(epochs(30, 30, 30, 30, 300), 1000, 30));
        // Even count: the median is the mean of the middle two (30 and 50 → 40); 160 s left hold 4 more.
        assertEquals(8, TimeBudget.plannedEpochs(epochs(30, 50, 20, 60), 320, 30));
    }

    @Test
    void neverPlansBeyondTheMaximumOrBelowWhatIsDone() {
        assertEquals(10, TimeBudget.plannedEpochs(epochs(1, 1), 600, 10));
        assertEquals(3, TimeBudget.plannedEpochs(epochs(30, 30, 30), 60, 10));
        assertEquals(2, TimeBudget.plannedEpochs(epochs(30, 30), 89, 10));
    }
}
