package dev.vit4j.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.vit4j.inference.OnnxRuntimeEnvironment;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.TreeMap;

/** Runs an ONNX model on a plain ONNX Runtime session (one thread) and returns every output by name. */
final class OrtRun {
    private OrtRun() {}

    static Map<String, float[]> outputs(byte[] model, String inputName, float[] x, long[] shape) {
        OrtEnvironment env = OnnxRuntimeEnvironment.get();
        try (OrtSession.SessionOptions o = OnnxRuntimeEnvironment.options(1);
                OrtSession session = env.createSession(model, o);
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                OrtSession.Result r = session.run(Map.of(inputName, in))) {
            Map<String, float[]> out = new TreeMap<>();
            for (Map.Entry<String, OnnxValue> e : r) {
                FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
                float[] data = new float[b.remaining()];
                b.get(data);
                out.put(e.getKey(), data);
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
