package dev.vit4j.weights;

import java.util.Arrays;

/** One entry of a safetensors header: element type, shape and byte range within the data section. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
