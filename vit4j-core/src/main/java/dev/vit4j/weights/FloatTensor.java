package dev.vit4j.weights;

import java.util.Arrays;

/** A float32 tensor held in Java memory: shape and row-major values. What safetensors files hold. */
public record FloatTensor(long[] shape, float[] data) {
    public FloatTensor {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        }
    }

    /** Entry {@code index} of the first axis, that axis dropped (e.g. one image of a batch). */
    public FloatTensor select(int index) {
        long[] rest = Arrays.copyOfRange(shape, 1, shape.length);
        int n = data.length / (int) shape[0];
        return new FloatTensor(rest, Arrays.copyOfRange(data, index * n, (index + 1) * n));
    }

    public int dim(int axis) {
        return (int) shape[axis < 0 ? shape.length + axis : axis];
    }
}
