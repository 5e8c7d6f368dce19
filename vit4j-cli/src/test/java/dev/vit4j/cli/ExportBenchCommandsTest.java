package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportBenchCommandsTest {
    @TempDir
    Path dir;

    @Test
    void exportWritesAGraphOnnxRuntimeLoads() throws Exception {
        Path onnx = dir.resolve("cait.onnx");
        var r = run(
                "export",
                "-m",
                ProbingCommandsTest.CAIT,
                "-w",
                ProbingCommandsTest.CAIT_WEIGHTS,
                "-o",
                onnx.toString(),
                "--with-attention");
        assertEquals(0, r.code(), r.err());
        try (OrtSession s = dev.vit4j.inference.OnnxRuntimeEnvironment.get().createSession(onnx.toString())) {
            assertEquals(Set.of("pixel_values"), s.getInputNames());
            assertTrue(s.getOutputNames().contains("logits"));
            assertTrue(s.getOutputNames().contains("attention.blocks_token_only.1"));
            assertTrue(s.getOutputNames().contains("attention_softmax.blocks.0"));
        }
        CliTest.assertBadInput(
                run("export", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "-o", onnx.toString(), "--opset", "11"),
                "vit4j writes opset 17");
    }

    @Test
    void exportWithOnnxRuntimeKernelsComputesWhatThePortableGraphDoes() throws Exception {
        Path portable = dir.resolve("portable.onnx");
        Path fused = dir.resolve("fused.onnx");
        assertEquals(
                0,
                run("export", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "-o", portable.toString())
                        .code());
        var r = run(
                "export",
                "-m",
                CliTest.VIT,
                "-w",
                CliTest.VIT_WEIGHTS,
                "-o",
                fused.toString(),
                "--onnxruntime-kernels");
        assertEquals(0, r.code(), r.err());
        String graph = new String(Files.readAllBytes(fused), StandardCharsets.ISO_8859_1);
        assertTrue(graph.contains("com.microsoft") && graph.contains("SkipLayerNormalization"));
        assertTrue(!new String(Files.readAllBytes(portable), StandardCharsets.ISO_8859_1).contains("com.microsoft"));
        float[][] a = logits(portable);
        float[][] b = logits(fused);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                assertEquals(a[i][j], b[i][j], 1e-4);
            }
        }
    }

    @Test
    void exportQuantizedToInt8IsAQuarterOfTheFileAndKeepsTheLogits() throws Exception {
        Path f32 = dir.resolve("f32.onnx");
        Path int8 = dir.resolve("int8.onnx");
        assertEquals(
                0,
                run(
                                "export",
                                "-m",
                                ProbingCommandsTest.CAIT,
                                "-w",
                                ProbingCommandsTest.CAIT_WEIGHTS,
                                "-o",
                                f32.toString())
                        .code());
        var r = run(
                "export",
                "-m",
                ProbingCommandsTest.CAIT,
                "-w",
                ProbingCommandsTest.CAIT_WEIGHTS,
                "-o",
                int8.toString(),
                "--quantize",
                "int8");
        assertEquals(0, r.code(), r.err());
        String graph = new String(Files.readAllBytes(int8), StandardCharsets.ISO_8859_1);
        assertTrue(graph.contains("MatMulInteger") && !graph.contains("com.microsoft"), "standard operators only");
        double ratio = (double) Files.size(int8) / Files.size(f32);
        assertTrue(
                ratio < 0.4, "int8 file is " + ratio + " of float32's"); // tiny model: norms and positions weigh more
        float[][] a = logits(f32);
        float[][] b = logits(int8);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                assertEquals(a[i][j], b[i][j], 0.15);
            }
        }
        CliTest.assertBadInput(
                run(
                        "export",
                        "-m",
                        CliTest.VIT,
                        "-w",
                        CliTest.VIT_WEIGHTS,
                        "-o",
                        int8.toString(),
                        "--quantize",
                        "int4"),
                "--quantize takes none or int8");
    }

    private static float[][] logits(Path onnx) throws Exception {
        OrtEnvironment env = dev.vit4j.inference.OnnxRuntimeEnvironment.get();
        try (OrtSession s = env.createSession(onnx.toString())) {
            long[] shape = ((TensorInfo) s.getInputInfo().get("pixel_values").getInfo()).getShape();
            shape[0] = 2;
            float[] x = new float[(int) (2 * shape[1] * shape[2] * shape[3])];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 0.37);
            }
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                    OrtSession.Result res = s.run(Map.of("pixel_values", t))) {
                return (float[][]) res.get("logits").orElseThrow().getValue();
            }
        }
    }

    @Test
    void benchComparesEnginesAgainstAnAnchorFile() throws Exception {
        Path onnx = dir.resolve("vit.onnx");
        assertEquals(
                0,
                run("export", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "-o", onnx.toString())
                        .code());
        var r = run(
                "bench",
                "-m",
                CliTest.VIT,
                "-w",
                CliTest.VIT_WEIGHTS,
                "--batch-size",
                "1,2",
                "--runs",
                "2",
                "--warmup",
                "1",
                "--anchor",
                onnx.toString(),
                "--json");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(6, lines.length, r.out());
        for (String line : lines) {
            JsonNode j = new ObjectMapper().readTree(line);
            assertTrue(j.get("images_per_second").asDouble() > 0);
            assertTrue(j.get("max_abs_diff_to_anchor").asDouble() < 1e-4, line);
        }
        CliTest.assertBadInput(
                run(
                        "bench",
                        "-m",
                        CliTest.VIT,
                        "--anchor",
                        dir.resolve("none.onnx").toString()),
                ": no such file");
    }

    @Test
    void predictGivesTheSameAnswerOnBothEngines() throws Exception {
        var a = run(
                "predict",
                "-m",
                CliTest.VIT,
                "-w",
                CliTest.VIT_WEIGHTS,
                "--json",
                "-k",
                "10",
                "--engine",
                "onnx",
                CliTest.IMAGE);
        var b = run(
                "predict",
                "-m",
                CliTest.VIT,
                "-w",
                CliTest.VIT_WEIGHTS,
                "--json",
                "-k",
                "10",
                "--engine",
                "torch",
                CliTest.IMAGE);
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        JsonNode pa = new ObjectMapper().readTree(a.out()).get("predictions");
        JsonNode pb = new ObjectMapper().readTree(b.out()).get("predictions");
        for (int i = 0; i < 10; i++) {
            assertEquals(pa.get(i).get("index").asInt(), pb.get(i).get("index").asInt());
            assertEquals(
                    pa.get(i).get("logit").asDouble(), pb.get(i).get("logit").asDouble(), 1e-4);
        }
        var c = run(
                "predict",
                "-m",
                CliTest.VIT,
                "-w",
                CliTest.VIT_WEIGHTS,
                "--json",
                "-k",
                "10",
                "--engine",
                "onnx-int8",
                CliTest.IMAGE);
        assertEquals(0, c.code(), c.err());
        JsonNode pc = new ObjectMapper().readTree(c.out()).get("predictions");
        assertEquals(10, pc.size());
        for (JsonNode p : pc) {
            for (JsonNode q : pa) {
                if (q.get("index").asInt() == p.get("index").asInt()) {
                    assertEquals(q.get("logit").asDouble(), p.get("logit").asDouble(), 0.15);
                }
            }
        }
        CliTest.assertBadInput(
                run("predict", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "--engine", "tf", CliTest.IMAGE),
                "unknown engine 'tf'");
    }
}
