package dev.vit4j.training;

/** What a training run reports as it goes (the command line draws a progress bar from it). */
public interface TrainingListener {
    default void batch(int epoch, long done, long total, double loss) {
    }

    default void epoch(EpochRecord record, boolean best) {
    }

    default void message(String text) {
    }
}
