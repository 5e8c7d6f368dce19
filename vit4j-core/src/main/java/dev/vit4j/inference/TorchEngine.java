package dev.vit4j.inference;

import ai.djl.ndarray.types.Shape;

/** The DJL/PyTorch eager forward pass ({@link ModelRunner}). */
public final class TorchEngine implements InferenceEngine {
    private final LoadedModel model;

    public TorchEngine(LoadedModel model) {
        this.model = model;
    }

    @Override
    public ModelOutputs run(float[] batch, long[] shape, boolean attention) {
        return ModelRunner.run(model.model(), model.manager(), batch, new Shape(shape), attention);
    }

    @Override
    public float[][] runText(long[] ids, int batch) {
        if (model.text() == null) {
            throw new IllegalStateException(model.model().config().name + " has no text tower");
        }
        return ModelRunner.runText(model.text(), model.manager(), ids, batch);
    }

    @Override
    public dev.vit4j.models.ModelConfig config() {
        return model.model().config();
    }

    @Override
    public EngineType type() {
        return EngineType.TORCH;
    }

    @Override
    public void close() {
        // the model belongs to the caller
    }
}
