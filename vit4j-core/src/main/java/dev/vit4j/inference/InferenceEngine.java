package dev.vit4j.inference;

/**
 * Runs a loaded model on a preprocessed batch. Two implementations: {@link TorchEngine} (DJL + PyTorch,
 * the training path) and {@link OnnxEngine} (the same model exported to ONNX, on ONNX Runtime; float32 or
 * with int8 weights).
 */
public interface InferenceEngine extends AutoCloseable {
    /** {@code batch}: B × C × H × W row-major, {@code shape} those four sizes. */
    ModelOutputs run(float[] batch, long[] shape, boolean attention);

    String name();

    /** The model this engine runs. */
    dev.vit4j.models.ModelConfig config();

    @Override
    void close();

    /** "onnx", "onnx-int8" or "torch". */
    static InferenceEngine create(String name, LoadedModel model, int threads) {
        return switch (name) {
            case "onnx" -> new OnnxEngine(model, threads);
            case "onnx-int8" -> new OnnxEngine(model, threads, dev.vit4j.onnx.Quantization.INT8_DYNAMIC);
            case "torch" -> new TorchEngine(model);
            default -> throw new dev.vit4j.Vit4jException("unknown engine '" + name + "' (onnx, onnx-int8 or torch)");
        };
    }

    /**
     * {@link #create}, for a model the caller hands over with it: if the engine cannot be made, the model is closed
     * (its native memory would otherwise leak, nobody else holding it).
     */
    static InferenceEngine createOrCloseModel(String name, LoadedModel model, int threads) {
        try {
            return create(name, model, threads);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
