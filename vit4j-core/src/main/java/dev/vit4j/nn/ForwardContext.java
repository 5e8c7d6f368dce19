package dev.vit4j.nn;

/**
 * What a forward pass needs besides its input: whether it is training (dropout and stochastic depth
 * active) and, when someone asked for them, where attention layers leave their weights.
 */
public final class ForwardContext {
    private static final ForwardContext INFERENCE = new ForwardContext(false, null);

    private final boolean training;
    private final AttentionRecorder recorder;

    public ForwardContext(boolean training, AttentionRecorder recorder) {
        this.training = training;
        this.recorder = recorder;
    }

    public static ForwardContext inference() {
        return INFERENCE;
    }

    public static ForwardContext training() {
        return new ForwardContext(true, null);
    }

    public static ForwardContext recording(AttentionRecorder recorder) {
        return new ForwardContext(false, recorder);
    }

    public boolean isTraining() {
        return training;
    }

    /** Null when nobody asked for attention: layers then keep nothing and pay nothing. */
    public AttentionRecorder recorder() {
        return recorder;
    }
}
