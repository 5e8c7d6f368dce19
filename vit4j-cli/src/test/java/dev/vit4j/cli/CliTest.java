package dev.vit4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line contract: outputs, and exit code 2 with one clear line for every kind of bad input. */
class CliTest {
    /** The core module's copy of the timm fixtures (same repository). */
    static final Path FIXTURES = Path.of("..", "vit4j-core", "src", "test", "resources", "fixtures");
    static final String VIT = FIXTURES.resolve("vit_micro/config.json").toString();
    static final String VIT_WEIGHTS = FIXTURES.resolve("vit_micro/model.safetensors").toString();
    static final String IMAGE = FIXTURES.resolve("images/small.png").toString();

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static void assertBadInput(Result r, String part) {
        assertEquals(2, r.code(), "exit code; stderr: " + r.err());
        assertTrue(r.err().contains(part), "expected '" + part + "' in: " + r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(r.err().strip().lines().count() <= 2, "one clear line: " + r.err());
    }

    @Test
    void predictJsonFollowsTheContract() throws IOException {
        Result r = run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "-k", "3", "--json", IMAGE, IMAGE);
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertEquals(IMAGE, first.get("image").asText());
        JsonNode preds = first.get("predictions");
        assertEquals(3, preds.size());
        for (String field : new String[] {"index", "label", "probability", "logit"}) {
            assertTrue(preds.get(0).has(field), field);
        }
        assertTrue(preds.get(0).get("probability").asDouble() >= preds.get(1).get("probability").asDouble());
        assertEquals(lines[0].replace(IMAGE, ""), lines[1].replace(IMAGE, ""), "same image, same answer");
    }

    @Test
    void predictReadsALabelsFile() throws IOException {
        Path labels = Files.writeString(dir.resolve("labels.txt"), String.join("\n",
                Arrays.asList("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")));
        Result r = run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "-k", "10", "--labels", labels.toString(), IMAGE);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("seven (7)"), r.out());
    }

    @Test
    void modelsListsEveryArchitecture() throws IOException {
        Result r = run("models", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode all = new ObjectMapper().readTree(r.out());
        assertEquals(19, all.size());
        JsonNode deit = all.get(6);
        assertEquals("deit_tiny_patch16_224", deit.get("name").asText());
        assertEquals(5_717_416, deit.get("params").asLong());
        assertEquals(0.875, deit.get("data_config").get("crop_pct").asDouble());
        assertTrue(run("models").out().contains("cait_m48_448"));
    }

    @Test
    void badImagesExitWithTwo() throws IOException {
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "missing.png"), "image not found: missing.png");
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, text.toString()), "not a recognised image");
        byte[] png = Files.readAllBytes(FIXTURES.resolve("images/landscape.png"));
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 3));
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, cut.toString()), "truncated");
    }

    @Test
    void badWeightsExitWithTwo() throws IOException {
        byte[] good = Files.readAllBytes(Path.of(VIT_WEIGHTS));
        Path cut = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(good, good.length - 100));
        assertBadInput(run("predict", "-m", VIT, "-w", cut.toString(), IMAGE), "invalid safetensors file");
        Path garbage = Files.write(dir.resolve("garbage.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        assertBadInput(run("predict", "-m", VIT, "-w", garbage.toString(), IMAGE), "beyond the file");
        Result misfit = run("predict", "-m", VIT, "-w", FIXTURES.resolve("cait_micro/model.safetensors").toString(),
                IMAGE);
        assertBadInput(misfit, "do not fit");
        assertTrue(misfit.err().contains("do not fit vit_micro: unexpected blocks.0.attn.proj_l.bias"), misfit.err());
        assertTrue(misfit.err().contains("mis-shaped pos_embed (file [1, 16, 48], model [1, 17, 48])"), misfit.err());
        assertBadInput(run("predict", "-m", VIT, "-w", "nowhere.safetensors", IMAGE), "weights file not found");
    }

    @Test
    void badModelsAndUsageExitWithTwo() throws IOException {
        assertBadInput(run("predict", "-m", "vit_gigantic", "-w", VIT_WEIGHTS, IMAGE), "unknown model 'vit_gigantic'");
        String cfg = Files.readString(Path.of(VIT)).replace("\"img_size\": [\n    32,\n    32\n  ]",
                "\"img_size\": [30, 32]");
        Path odd = Files.writeString(dir.resolve("odd.json"), cfg);
        assertBadInput(run("predict", "-m", odd.toString(), "-w", VIT_WEIGHTS, IMAGE),
                "image size 30×32 is not divisible by the patch size 8");
        Path heads = Files.writeString(dir.resolve("heads.json"), Files.readString(Path.of(VIT))
                .replace("\"num_heads\": 3", "\"num_heads\": 5"));
        assertBadInput(run("predict", "-m", heads.toString(), "-w", VIT_WEIGHTS, IMAGE), "not divisible by num_heads");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"arch\": \"vit\",");
        assertBadInput(run("predict", "-m", broken.toString(), "-w", VIT_WEIGHTS, IMAGE), "invalid model config");
        assertBadInput(run("predict", "-m", VIT, IMAGE), "Missing required option");
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "-k", "0", IMAGE), "-k must be at least 1");
        assertBadInput(run("frobnicate"), "Unmatched argument");
    }
}
