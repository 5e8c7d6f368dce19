package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportBenchCommandsTest {
    @TempDir
    Path dir;

    @Test
    void exportWritesAGraphOnnxRuntimeLoads() throws Exception {
        Path onnx = dir.resolve("cait.onnx");
        var r = run("export", "-m", ProbingCommandsTest.CAIT, "-w", ProbingCommandsTest.CAIT_WEIGHTS, "-o",
                onnx.toString(), "--with-attention");
        assertEquals(0, r.code(), r.err());
        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(onnx.toString())) {
            assertEquals(Set.of("pixel_values"), s.getInputNames());
            assertTrue(s.getOutputNames().contains("logits"));
            assertTrue(s.getOutputNames().contains("attention.blocks_token_only.1"));
            assertTrue(s.getOutputNames().contains("attention_softmax.blocks.0"));
        }
        CliTest.assertBadInput(run("export", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "-o", onnx.toString(),
                "--opset", "11"), "vit4j writes opset 17");
    }

    @Test
    void benchComparesEnginesAgainstAnAnchorFile() throws Exception {
        Path onnx = dir.resolve("vit.onnx");
        assertEquals(0, run("export", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "-o", onnx.toString()).code());
        var r = run("bench", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "--batch", "1,2", "--runs", "2", "--warmup",
                "1", "--anchor", onnx.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(6, lines.length, r.out());
        for (String line : lines) {
            JsonNode j = new ObjectMapper().readTree(line);
            assertTrue(j.get("images_per_second").asDouble() > 0);
            assertTrue(j.get("max_abs_diff_to_anchor").asDouble() < 1e-4, line);
        }
        CliTest.assertBadInput(run("bench", "-m", CliTest.VIT, "--anchor", dir.resolve("none.onnx").toString()),
                "anchor not found");
    }

    @Test
    void predictGivesTheSameAnswerOnBothEngines() throws Exception {
        var a = run("predict", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "--json", "-k", "10", "--engine", "onnx",
                CliTest.IMAGE);
        var b = run("predict", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "--json", "-k", "10", "--engine", "torch",
                CliTest.IMAGE);
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        JsonNode pa = new ObjectMapper().readTree(a.out()).get("predictions");
        JsonNode pb = new ObjectMapper().readTree(b.out()).get("predictions");
        for (int i = 0; i < 10; i++) {
            assertEquals(pa.get(i).get("index").asInt(), pb.get(i).get("index").asInt());
            assertEquals(pa.get(i).get("logit").asDouble(), pb.get(i).get("logit").asDouble(), 1e-4);
        }
        CliTest.assertBadInput(run("predict", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "--engine", "tf",
                CliTest.IMAGE), "unknown engine 'tf'");
    }
}
