package dev.vit4j.onnx;

/** How an export stores the weights of its matrix products. */
public enum Quantization {
    /** float32 weights and products: the model as trained. */
    NONE,
    /**
     * int8 weights ({@link Int8Weights}); activations quantized to uint8 per tensor at run time, from each
     * tensor's own min and max, so no calibration data is needed. Norms, softmax, GELU and the talking-heads
     * mixes stay float32.
     */
    INT8_DYNAMIC
}
