package dev.vit4j.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Parameter;
import java.util.Map;

/**
 * One optimisation step: forward pass under autograd, loss, backward, gradient clipping, optimizer update
 * (which zeroes the gradients). Every intermediate array lives in a sub-manager closed when the step ends,
 * so steps do not grow memory.
 */
public final class TrainStep {
    /** The step's loss and the batch's logits (B × classes, row-major). */
    public record Result(float loss, float[] logits) {}

    private final LoadedModel loaded;
    private final Optimizer optimizer;
    private final TrainConfig train;
    private final Map<String, Parameter> params;
    private final Shape sample;

    public TrainStep(LoadedModel loaded, Optimizer optimizer, TrainConfig train) {
        this.loaded = loaded;
        this.optimizer = optimizer;
        this.train = train;
        this.params = loaded.model().namedParameters();
        ModelConfig config = loaded.model().config();
        this.sample = new Shape(config.inChans, config.height(), config.width());
        for (Parameter p : params.values()) {
            if (p.trainable()) {
                p.array().setRequiresGradient(true);
            }
        }
    }

    /** Trains on {@code inputs} (B × C × H × W, row-major, normalized) with their labels at learning rate {@code lr}. */
    public Result run(float[] inputs, int[] labels, double lr) {
        try (NDManager step = loaded.manager().newSubManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = step.create(inputs, new Shape(labels.length).addAll(sample));
            float loss;
            float[] logits;
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray out = loaded.model().forward(x, ForwardContext.training());
                NDArray l = lossOf(out, labels);
                gc.backward(l);
                loss = l.getFloat();
                logits = out.toFloatArray();
            }
            if (!Float.isFinite(loss)) {
                throw new Vit4jException("the loss became " + loss + "; lower the learning rate (now " + lr + ")");
            }
            if (train.clipGrad > 0) {
                GradientClipping.clip(params.values(), train.clipGrad);
            }
            optimizer.step(params, lr);
            return new Result(loss, logits);
        }
    }

    private NDArray lossOf(NDArray out, int[] labels) {
        if ("mse".equals(train.loss)) {
            float[] t = new float[labels.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = labels[i];
            }
            return Losses.meanSquaredError(out, t);
        }
        return Losses.crossEntropy(out, labels, train.labelSmoothing);
    }
}
