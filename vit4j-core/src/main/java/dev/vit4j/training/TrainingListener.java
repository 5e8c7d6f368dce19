package dev.vit4j.training;

/** What a training run reports as it goes (the command line draws a progress bar from it), and asks. */
public interface TrainingListener {
    /** Before the first batch of {@code epoch} (0-based), which has {@code batches} batches. */
    default void epochStarted(int epoch, long batches) {}

    default void batch(int epoch, long done, long total, double loss) {}

    default void epoch(EpochRecord record, boolean best) {}

    default void message(String text) {}

    /**
     * Asked after every batch: true ends the run there (a signal, a user's stop button). The epoch under way is
     * abandoned, never saved half-done: {@code last/} keeps the last whole epoch, and a resumed run repeats the
     * abandoned one from its start, ending as an uninterrupted run would.
     */
    default boolean stopRequested() {
        return false;
    }
}
