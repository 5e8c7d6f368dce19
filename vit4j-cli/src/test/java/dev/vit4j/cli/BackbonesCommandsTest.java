package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.FIXTURES;
import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Vit4j;
import dev.vit4j.inference.Embedding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * DINOv2 with registers, CLIP, SigLIP and distilled DeiT (the small timm-made fixtures) through the commands: embed
 * (pre-logits and the head's output, normalised), predict where there is a head, attention and rollout where there is
 * a class token, mean attention distance, export and the int8 engine.
 */
class BackbonesCommandsTest {
    private static final List<String> IMAGES = List.of("landscape.png", "odd.jpg", "portrait.png");

    @TempDir
    Path dir;

    private static String config(String fixture) {
        return FIXTURES.resolve(fixture + "/config.json").toString();
    }

    private static String weights(String fixture) {
        return FIXTURES.resolve(fixture + "/model.safetensors").toString();
    }

    private static List<String> images() {
        return IMAGES.stream()
                .map(n -> FIXTURES.resolve("images/" + n).toString())
                .toList();
    }

    private static List<float[]> csvRows(Path csv) throws IOException {
        List<float[]> rows = new ArrayList<>();
        for (String line :
                Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            String[] cells = line.split(",");
            float[] v = new float[cells.length - 1];
            for (int i = 1; i < cells.length; i++) {
                v[i - 1] = Float.parseFloat(cells[i]);
            }
            rows.add(v);
        }
        return rows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dinov2_micro", "clip_micro", "siglip_micro", "deit_distilled_micro"})
    void embedGivesTheLibrarysEmbeddingsEitherOutputAndNormalised(String fixture) throws IOException {
        for (boolean head : new boolean[] {false, true}) {
            Path csv = dir.resolve(fixture + (head ? "-head" : "") + ".csv");
            List<String> args = new ArrayList<>(List.of("embed", "-m", config(fixture), "-w", weights(fixture)));
            if (head) {
                args.addAll(List.of("--embedding", "head", "--normalize"));
            }
            args.addAll(images());
            args.addAll(List.of("-o", csv.toString()));
            CliTest.Result r = run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            List<float[]> rows = csvRows(csv);
            Embedding embedding = head ? new Embedding(Embedding.Output.HEAD, true) : Embedding.DEFAULT;
            try (Vit4j model = Vit4j.load(config(fixture), Path.of(weights(fixture)), Vit4j.Options.defaults())) {
                List<float[]> want =
                        model.embedAll(images().stream().map(Path::of).toList(), embedding);
                for (int i = 0; i < want.size(); i++) {
                    assertArrayEquals(want.get(i), rows.get(i), 1e-5f, fixture + " row " + i);
                }
                assertEquals(
                        head && model.numClasses() > 0 ? model.numClasses() : model.embeddingSize(),
                        rows.get(0).length);
            }
            if (head) {
                for (float[] row : rows) {
                    double norm = 0;
                    for (float v : row) {
                        norm += v * v;
                    }
                    assertEquals(1.0, Math.sqrt(norm), 1e-5, fixture);
                }
            }
        }
        CliTest.assertBadInput(
                run(
                        "embed",
                        "-m",
                        config(fixture),
                        "-w",
                        weights(fixture),
                        "--embedding",
                        "logits",
                        images().get(0),
                        "-o",
                        dir.resolve("x.csv").toString()),
                "--embedding must be \"pre-logits\" or \"head\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"clip_micro", "siglip_micro", "deit_distilled_micro"})
    void predictOnBothEnginesAndInt8(String fixture) {
        for (String engine : List.of("onnx", "torch", "onnx-int8")) {
            CliTest.Result r = run(
                    "predict",
                    "-m",
                    config(fixture),
                    "-w",
                    weights(fixture),
                    "--engine",
                    engine,
                    "--json",
                    images().get(0));
            assertEquals(0, r.code(), engine + ": " + r.err());
            assertTrue(r.out().contains("\"probability\""), r.out());
        }
    }

    @Test
    void attentionMapsRolloutAndDistancesWhereTheyApply() throws IOException {
        // registers and the distillation token are prefix tokens: the maps cover the 4 × 4 patch grid only
        for (String fixture : List.of("dinov2_micro", "deit_distilled_micro")) {
            Path out = dir.resolve(fixture + "-maps");
            CliTest.Result r = run(
                    "attention",
                    "-m",
                    config(fixture),
                    "-w",
                    weights(fixture),
                    "--rollout",
                    "-o",
                    out.toString(),
                    images().get(0));
            assertEquals(0, r.code(), r.err());
            try (var files = Files.walk(out)) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().contains("rollout")), fixture);
            }
            Path mad = dir.resolve(fixture + "-mad");
            CliTest.Result m = run(
                    "mad",
                    "-m",
                    config(fixture),
                    "-w",
                    weights(fixture),
                    "-o",
                    mad.toString(),
                    images().get(0),
                    images().get(1));
            assertEquals(0, m.code(), m.err());
            assertTrue(Files.readAllLines(mad.resolve("mad.csv")).size() > 1, fixture + " mad.csv");
        }
        // SigLIP: no class token; the map is the pooling query's, and there is no row to roll out
        Path out = dir.resolve("siglip-maps");
        CliTest.Result r = run(
                "attention",
                "-m",
                config("siglip_micro"),
                "-w",
                weights("siglip_micro"),
                "-o",
                out.toString(),
                images().get(0));
        assertEquals(0, r.code(), r.err());
        try (var files = Files.walk(out)) {
            assertTrue(files.anyMatch(p -> p.toString().contains("attn_pool")), "attn_pool map");
        }
        CliTest.assertBadInput(
                run(
                        "attention",
                        "-m",
                        config("siglip_micro"),
                        "-w",
                        weights("siglip_micro"),
                        "--rollout",
                        "-o",
                        out.toString(),
                        images().get(0)),
                "no --rollout for siglip_micro: without a class token");
    }

    /** eval: SigLIP's tower with a 6-class head on the built-in shapes (six classes), through the pipeline. */
    @Test
    void evalRunsOnANewFamily() throws IOException {
        CliTest.Result r = run(
                "eval",
                "-m",
                config("siglip_micro"),
                "-w",
                weights("siglip_micro"),
                "--data",
                "shapes:28:40",
                "-o",
                dir.resolve("eval").toString(),
                "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"top1\"") && r.out().contains("\"images\":40"), r.out());
        assertTrue(Files.exists(dir.resolve("eval/confusion_matrix.png")));
    }

    /** export: float32 with every attention (SigLIP's pooling query included) and int8, both readable by ORT. */
    @Test
    void exportWritesGraphsOnnxRuntimeRuns() throws Exception {
        for (String fixture : List.of("siglip_micro", "deit_distilled_micro", "dinov2_micro", "clip_micro")) {
            Path onnx = dir.resolve(fixture + ".onnx");
            CliTest.Result r = run(
                    "export", "-m", config(fixture), "-w", weights(fixture), "-o", onnx.toString(), "--with-attention");
            assertEquals(0, r.code(), r.err());
            try (ai.onnxruntime.OrtSession s =
                    dev.vit4j.inference.OnnxRuntimeEnvironment.get().createSession(onnx.toString())) {
                assertTrue(s.getOutputNames().containsAll(List.of("logits", "pre_logits", "attention.blocks.1")));
                assertEquals(fixture.startsWith("siglip"), s.getOutputNames().contains("attention.attn_pool"));
            }
            Path int8 = dir.resolve(fixture + "-int8.onnx");
            CliTest.Result q = run(
                    "export",
                    "-m",
                    config(fixture),
                    "-w",
                    weights(fixture),
                    "-o",
                    int8.toString(),
                    "--quantize",
                    "int8");
            assertEquals(0, q.code(), q.err());
            try (ai.onnxruntime.OrtSession s =
                    dev.vit4j.inference.OnnxRuntimeEnvironment.get().createSession(int8.toString())) {
                assertTrue(s.getOutputNames().contains("logits"));
            }
        }
    }

    /** --img-size: DINOv2-style weights made at another grid run at the size asked for. */
    @Test
    void anotherImageSize() throws IOException {
        Path csv = dir.resolve("at42.csv");
        String file =
                FIXTURES.resolve("dinov2_micro_resampled/model.safetensors").toString(); // a 6 × 6 grid
        for (String size : List.of("42", "28", "21x35")) {
            CliTest.Result r = run(
                    "embed",
                    "-m",
                    config("dinov2_micro"),
                    "-w",
                    file,
                    "--img-size",
                    size,
                    images().get(0),
                    "-o",
                    csv.toString());
            assertEquals(0, r.code(), size + ": " + r.err());
            assertEquals(48, csvRows(csv).get(0).length);
        }
        CliTest.assertBadInput(
                run(
                        "embed",
                        "-m",
                        config("dinov2_micro"),
                        "-w",
                        file,
                        "--img-size",
                        "40",
                        images().get(0),
                        "-o",
                        csv.toString()),
                "not divisible by the patch size 7");
        CliTest.assertBadInput(
                run(
                        "embed",
                        "-m",
                        config("dinov2_micro"),
                        "-w",
                        file,
                        "--img-size",
                        "big",
                        images().get(0),
                        "-o",
                        csv.toString()),
                "--img-size': must be SIZE or HEIGHTxWIDTH");
    }

    @Test
    void everyCommandsHelpPrintsCleanly() {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            for (String command : new CommandLine(new Main()).getSubcommands().keySet()) {
                StringWriter out = new StringWriter();
                int code = Main.execute(
                        new String[] {command, "--help"}, new PrintWriter(out, true), new PrintWriter(out, true));
                assertEquals(0, code, command);
                assertTrue(out.toString().startsWith("Usage: vit4j " + command), out.toString());
            }
        } finally {
            System.setErr(saved);
        }
        String err = captured.toString(StandardCharsets.UTF_8);
        assertTrue(!err.contains("WARN"), err);
    }
}
