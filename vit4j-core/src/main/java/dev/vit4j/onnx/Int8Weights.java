package dev.vit4j.onnx;

/**
 * A weight matrix (in × out, as MatMul takes it) quantized symmetrically per output column:
 * {@code W[i][o] ≈ values[i][o] · scales[o]}, zero point 0. Per column because a ViT's output channels differ
 * in range by an order of magnitude; one scale for the whole matrix would leave the small ones a few levels.
 */
public record Int8Weights(byte[] values, float[] scales) {
    /**
     * ±63 (7 bits), not ±127: on AVX2 without VNNI, ONNX Runtime multiplies uint8 activations by int8 weights
     * with {@code vpmaddubsw}, which sums two products into a saturating int16. 2·255·127 overflows it (wrong
     * results, silently); 2·255·63 does not. ONNX Runtime's quantizer calls this {@code reduce_range}.
     */
    public static final int LEVELS = 63;

    public static Int8Weights perColumn(float[] weights, int in, int out) {
        float[] scales = new float[out];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                scales[o] = Math.max(scales[o], Math.abs(weights[i * out + o]));
            }
        }
        for (int o = 0; o < out; o++) {
            scales[o] = scales[o] == 0 ? 1f : scales[o] / LEVELS;
        }
        byte[] values = new byte[weights.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                int q = Math.round(weights[i * out + o] / scales[o]);
                values[i * out + o] = (byte) Math.max(-LEVELS, Math.min(LEVELS, q));
            }
        }
        return new Int8Weights(values, scales);
    }
}
