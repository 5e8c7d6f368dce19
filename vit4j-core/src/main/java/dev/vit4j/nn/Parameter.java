package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A named tensor owned by a {@link Module}: a weight that training updates, or a fixed buffer (such as a
 * sinusoidal position table) that is saved and loaded with the weights but never trained.
 */
public final class Parameter {
    private final Shape shape;
    private final Initializer initializer;
    private final boolean trainable;
    private final boolean weightDecay;
    private NDArray array;

    Parameter(Shape shape, Initializer initializer, boolean trainable, boolean weightDecay) {
        this.shape = shape;
        this.initializer = initializer;
        this.trainable = trainable;
        this.weightDecay = weightDecay;
    }

    public Shape shape() {
        return shape;
    }

    public Initializer initializer() {
        return initializer;
    }

    /** False for buffers such as a fixed position table. */
    public boolean trainable() {
        return trainable;
    }

    /** timm applies weight decay only to matrices: not to norms, biases, gammas, tokens or position tables. */
    public boolean weightDecay() {
        return weightDecay;
    }

    public NDArray array() {
        if (array == null) {
            throw new IllegalStateException("parameter is not initialized; call Module.initialize or load weights");
        }
        return array;
    }

    public boolean isInitialized() {
        return array != null;
    }

    /** Replaces the value; the previous array is closed. */
    public void set(NDArray value) {
        if (!value.getShape().equals(shape)) {
            throw new IllegalArgumentException(
                    "shape " + value.getShape() + " does not fit parameter of shape " + shape);
        }
        if (array != null && array != value) {
            array.close();
        }
        array = value;
    }
}
