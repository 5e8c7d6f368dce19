package dev.vit4j.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.vit4j.onnx.Quantization;
import dev.vit4j.weights.FloatTensor;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model exported by vit4j's own ONNX writer, with ONNX Runtime's fused kernels, and run by ONNX
 * Runtime with all graph optimizations on the process's shared thread pool. Sessions are built once and
 * reused (a second one, with attention outputs, only when first asked for). With
 * {@link Quantization#INT8_DYNAMIC} the Linear layers run on int8 weights ({@link EngineType#ONNX_INT8}).
 */
public final class OnnxEngine implements InferenceEngine {
    private final LoadedModel model;
    private final int threads;
    private final Quantization quantization;
    private final OrtEnvironment env = OnnxRuntimeEnvironment.get();
    private OrtSession plain;
    private OrtSession withAttention;
    private OrtSession text;

    public OnnxEngine(LoadedModel model, int threads) {
        this(model, threads, Quantization.NONE);
    }

    public OnnxEngine(LoadedModel model, int threads, Quantization quantization) {
        this.model = model;
        this.threads = threads;
        this.quantization = quantization;
        this.plain = session(model.model().toOnnx(false, true, quantization));
    }

    /** A two-tower model's text tower, exported on first use (a job on images alone never pays for it). */
    private synchronized OrtSession text() {
        if (model.text() == null) {
            throw new IllegalStateException(model.model().config().name + " has no text tower");
        }
        if (text == null) {
            text = session(model.text().toOnnx(true, quantization));
        }
        return text;
    }

    @Override
    public float[][] runText(long[] ids, int batch) {
        OrtSession s = text();
        long[] shape = {batch, ids.length / batch};
        try (OnnxTensor input = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), shape);
                OrtSession.Result result = OnnxRuntimeRuns.call(() -> s.run(Map.of("input_ids", input)))) {
            return (float[][]) result.get("text_embeds").orElseThrow().getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    private OrtSession session(byte[] onnx) {
        try (OrtSession.SessionOptions o = OnnxRuntimeEnvironment.options(threads)) {
            return OnnxRuntimeRuns.call(() -> env.createSession(onnx, o));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the exported graph: " + e.getMessage(), e);
        }
    }

    /** The graph with attention outputs, built on first use; runs from several threads may ask at once. */
    private synchronized OrtSession withAttention() {
        if (withAttention == null) {
            withAttention = session(model.model().toOnnx(true, true, quantization));
        }
        return withAttention;
    }

    /** Thread-safe: a server's workers run one session from several threads at once, as ONNX Runtime allows. */
    @Override
    public ModelOutputs run(float[] batch, long[] shape, boolean attention) {
        OrtSession s = attention ? withAttention() : plain;
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(batch), shape);
                OrtSession.Result result = OnnxRuntimeRuns.call(() -> s.run(Map.of("pixel_values", input)))) {
            float[][] logits = (float[][]) result.get("logits").orElseThrow().getValue();
            float[][] pre = (float[][]) result.get("pre_logits").orElseThrow().getValue();
            Map<String, FloatTensor> att = new LinkedHashMap<>();
            if (attention) {
                for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                    if (e.getKey().startsWith("attention")) {
                        OnnxTensor t = (OnnxTensor) e.getValue();
                        FloatBuffer fb = t.getFloatBuffer();
                        float[] data = new float[fb.remaining()];
                        fb.get(data);
                        att.put(e.getKey(), new FloatTensor(t.getInfo().getShape(), data));
                    }
                }
            }
            return new ModelOutputs(logits, pre, att);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public dev.vit4j.models.ModelConfig config() {
        return model.model().config();
    }

    @Override
    public EngineType type() {
        return quantization == Quantization.NONE ? EngineType.ONNX : EngineType.ONNX_INT8;
    }

    @Override
    public synchronized void close() {
        try {
            plain.close();
            if (withAttention != null) {
                withAttention.close();
            }
            if (text != null) {
                text.close();
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
