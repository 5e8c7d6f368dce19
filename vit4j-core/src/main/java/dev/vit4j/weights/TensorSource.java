package dev.vit4j.weights;

import java.nio.file.Path;
import java.util.Map;

/**
 * Named tensors read from a weights file, whatever its format ({@link WeightFiles#open}): safetensors, PyTorch
 * {@code .pth}/{@code .bin}, Google's {@code .npz}. Values are widened to float32.
 */
public interface TensorSource extends AutoCloseable {
    Path path();

    /** Name → shape, in the file's order. */
    Map<String, long[]> shapes();

    /** The tensor's values, row-major. */
    float[] floats(String name);

    @Override
    void close();
}
