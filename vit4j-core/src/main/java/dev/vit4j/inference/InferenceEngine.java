package dev.vit4j.inference;

/**
 * Runs a loaded model on a preprocessed batch. Two implementations: {@link TorchEngine} (DJL + PyTorch,
 * the training path) and {@link OnnxEngine} (the same model exported to ONNX, on ONNX Runtime; float32 or
 * with int8 weights).
 */
public interface InferenceEngine extends AutoCloseable {
    /** {@code batch}: B × C × H × W row-major, {@code shape} those four sizes. */
    ModelOutputs run(float[] batch, long[] shape, boolean attention);

    /**
     * A two-tower model's text tower on token ids ({@code batch} rows of the context length, row-major): the text
     * embeddings, one row per text (open_clip's {@code encode_text}, not normalized).
     */
    float[][] runText(long[] ids, int batch);

    EngineType type();

    /** The model this engine runs. */
    dev.vit4j.models.ModelConfig config();

    @Override
    void close();
}
