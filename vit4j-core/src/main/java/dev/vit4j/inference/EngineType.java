package dev.vit4j.inference;

import dev.vit4j.Vit4jException;
import dev.vit4j.onnx.Quantization;
import java.util.Arrays;
import java.util.Locale;

/** Which engine runs a model; {@link #id} is its name where users type or read it ("onnx", "onnx-int8", "torch"). */
public enum EngineType {
    /** vit4j's ONNX export on ONNX Runtime, float32: the default (docs/performance.md). */
    ONNX("onnx"),
    /** The same with int8 weights and dynamically quantized activations. */
    ONNX_INT8("onnx-int8"),
    /** DJL with PyTorch's CPU library: the training path. */
    TORCH("torch");

    private final String id;

    EngineType(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The engine whose {@link #id} is {@code id}; a {@link Vit4jException} naming the choices otherwise. */
    public static EngineType of(String id) {
        return Arrays.stream(values())
                .filter(t -> t.id.equals(id.toLowerCase(Locale.ROOT)))
                .findFirst()
                .orElseThrow(() -> new Vit4jException("unknown engine '" + id + "' (onnx, onnx-int8 or torch)"));
    }

    /** A new engine of this type for {@code model}; {@code threads} for ONNX Runtime (0: one per core). */
    public InferenceEngine create(LoadedModel model, int threads) {
        return switch (this) {
            case ONNX -> new OnnxEngine(model, threads);
            case ONNX_INT8 -> new OnnxEngine(model, threads, Quantization.INT8_DYNAMIC);
            case TORCH -> new TorchEngine(model);
        };
    }

    /**
     * {@link #create}, for a model the caller hands over with it: if the engine cannot be made, the model is closed
     * (its native memory would otherwise leak, nobody else holding it).
     */
    public InferenceEngine createOrCloseModel(LoadedModel model, int threads) {
        try {
            return create(model, threads);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
