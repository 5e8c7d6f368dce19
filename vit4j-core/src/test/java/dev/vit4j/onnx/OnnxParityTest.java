package dev.vit4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.vit4j.Fixtures;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.OnnxEngine;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.weights.FloatTensor;
import dev.vit4j.weights.SafeTensors;
import dev.vit4j.weights.TensorInfo;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exported graphs on ONNX Runtime against timm's fixtures (every family), 1e-4, attention included:
 * the engine's two (ONNX Runtime's fused kernels; with and without attention outputs, which differ in how
 * attention is computed) and the portable one {@code vit4j export} writes by default.
 */
class OnnxParityTest {
    @ParameterizedTest
    @MethodSource("dev.vit4j.Fixtures#timmModels")
    void exportedGraphMatchesTimm(String fixture) {
        String input = fixture + "/input.safetensors";
        String expected = fixture + "/expected.safetensors";
        try (LoadedModel m = LoadedModel.load(
                        Fixtures.path(fixture + "/config.json").toString(),
                        Fixtures.path(fixture + "/model.safetensors"));
                OnnxEngine onnx = new OnnxEngine(m, 1);
                SafeTensors st = SafeTensors.open(Fixtures.path(expected))) {
            ModelOutputs out = onnx.run(Fixtures.tensor(input, "x"), Fixtures.shape(input, "x"), true);
            double logits = Fixtures.maxAbsDiff(Fixtures.flatten(out.logits()), st.floats("logits"));
            double pre = Fixtures.maxAbsDiff(Fixtures.flatten(out.preLogits()), st.floats("pre_logits"));
            StringBuilder report = new StringBuilder(fixture + " (onnx): logits " + logits + ", pre_logits " + pre);
            assertTrue(logits < 1e-4 && pre < 1e-4, report.toString());
            int keys = 0;
            for (Map.Entry<String, TensorInfo> e : st.tensors().entrySet()) {
                if (!e.getKey().startsWith("attention")) {
                    continue;
                }
                keys++;
                FloatTensor got = out.attention().get(e.getKey());
                assertTrue(
                        got != null,
                        "no " + e.getKey() + " in " + out.attention().keySet());
                assertArrayEquals(e.getValue().shape(), got.shape());
                double d = Fixtures.maxAbsDiff(got.data(), st.floats(e.getKey()));
                report.append(", ").append(e.getKey()).append(' ').append(d);
                assertTrue(d < 1e-4, report.toString());
            }
            assertEquals(keys, out.attention().size());

            ModelOutputs plain = onnx.run(Fixtures.tensor(input, "x"), Fixtures.shape(input, "x"), false);
            double plainLogits = Fixtures.maxAbsDiff(Fixtures.flatten(plain.logits()), st.floats("logits"));
            double plainPre = Fixtures.maxAbsDiff(Fixtures.flatten(plain.preLogits()), st.floats("pre_logits"));
            report.append("; fused kernels without attention outputs: logits ")
                    .append(plainLogits)
                    .append(", pre_logits ")
                    .append(plainPre);
            assertTrue(plainLogits < 1e-4 && plainPre < 1e-4, report.toString());

            Map<String, float[]> portable = OrtRun.outputs(
                    m.model().toOnnx(true, false),
                    "pixel_values",
                    Fixtures.tensor(input, "x"),
                    Fixtures.shape(input, "x"));
            report.append("; portable graph:");
            for (Map.Entry<String, float[]> o : portable.entrySet()) {
                double d = Fixtures.maxAbsDiff(o.getValue(), st.floats(o.getKey()));
                report.append(' ').append(o.getKey()).append(' ').append(d);
                assertTrue(d < 1e-4, report.toString());
            }
            assertEquals(keys + 2, portable.size());
            System.out.println("[parity] " + report);
        }
    }

    @Test
    void averagePoolingAndNoClassTokenExportToo() {
        ModelConfig c = new ModelConfig();
        c.arch = "vit";
        c.name = "avg_vit";
        c.imgSize = new int[] {24, 40};
        c.inChans = 2;
        c.patchSize = 8;
        c.embedDim = 16;
        c.depth = 2;
        c.numHeads = 2;
        c.numClasses = 5;
        c.classToken = false;
        c.globalPool = "avg";
        c.initValues = 0.5;
        for (String arch : new String[] {"vit", "cait"}) {
            c.arch = arch;
            try (LoadedModel m = LoadedModel.initialized(c.copy(), 3);
                    OnnxEngine onnx = new OnnxEngine(m, 1)) {
                float[] x = new float[2 * 2 * 24 * 40];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) Math.cos(i * 0.1);
                }
                Shape s = new Shape(2, 2, 24, 40);
                ModelOutputs a = onnx.run(x, s.getShape(), false);
                ModelOutputs b = dev.vit4j.inference.ModelRunner.run(m.model(), m.manager(), x, s, false);
                assertTrue(
                        Fixtures.maxAbsDiff(Fixtures.flatten(a.logits()), Fixtures.flatten(b.logits())) < 1e-4, arch);
            }
        }
    }
}
