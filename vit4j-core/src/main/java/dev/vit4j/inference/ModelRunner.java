package dev.vit4j.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.models.TextModel;
import dev.vit4j.models.VisionModel;
import dev.vit4j.nn.AttentionRecorder;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.weights.FloatTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a forward pass in its own memory scope: every intermediate array (including those an operation
 * attaches to a parameter's manager) is freed when the call returns, so thousands of calls keep memory
 * flat. Results come back as Java arrays.
 */
public final class ModelRunner {
    private ModelRunner() {}

    /** {@code batch}: B × C × H × W row-major. */
    public static ModelOutputs run(
            VisionModel model, NDManager parent, float[] batch, Shape shape, boolean recordAttention) {
        try (NDManager step = parent.newSubManager();
                NDScope scope = new NDScope();
                AttentionRecorder recorder = recordAttention ? new AttentionRecorder(step) : null) {
            scope.suppressNotUsedWarning();
            NDArray x = step.create(batch, shape);
            ForwardContext ctx = recorder == null ? ForwardContext.inference() : ForwardContext.recording(recorder);
            VisionModel.Outputs out = model.forwardOutputs(x, ctx);
            NDArray pre = out.preLogits();
            NDArray logits = out.logits();
            Map<String, FloatTensor> attention = new LinkedHashMap<>();
            if (recorder != null) {
                recorder.tensors()
                        .forEach((k, v) ->
                                attention.put(k, new FloatTensor(v.getShape().getShape(), v.toFloatArray())));
            }
            return new ModelOutputs(rows(logits), rows(pre), attention);
        }
    }

    /** A text tower on {@code ids} (B × context, row-major), in its own memory scope as {@link #run}. */
    public static float[][] runText(TextModel model, NDManager parent, long[] ids, int batch) {
        try (NDManager step = parent.newSubManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = step.create(ids, new Shape(batch, ids.length / batch));
            return rows(model.forward(x, ForwardContext.inference()));
        }
    }

    private static float[][] rows(NDArray a) {
        int b = (int) a.getShape().get(0);
        int n = (int) (a.getShape().size() / b);
        float[] flat = a.toFloatArray();
        float[][] out = new float[b][n];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * n, out[i], 0, n);
        }
        return out;
    }
}
