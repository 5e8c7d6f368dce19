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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line contract: outputs, and exit code 2 with one clear line for every kind of bad input. */
class CliTest {
    /** The core module's copy of the timm fixtures (same repository). */
    static final Path FIXTURES = Path.of("..", "vit4j-core", "src", "test", "resources", "fixtures");

    static final String VIT = FIXTURES.resolve("vit_micro/config.json").toString();
    static final String VIT_WEIGHTS =
            FIXTURES.resolve("vit_micro/model.safetensors").toString();
    static final String IMAGE = FIXTURES.resolve("images/small.png").toString();

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

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
        assertTrue(preds.get(0).get("probability").asDouble()
                >= preds.get(1).get("probability").asDouble());
        assertEquals(lines[0].replace(IMAGE, ""), lines[1].replace(IMAGE, ""), "same image, same answer");
    }

    @Test
    void predictReadsALabelsFile() throws IOException {
        Path labels = Files.writeString(
                dir.resolve("labels.txt"),
                String.join(
                        "\n",
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
        assertEquals(37, all.size());
        JsonNode deit = all.get(6);
        assertEquals("deit_tiny_patch16_224", deit.get("name").asText());
        assertEquals(5_717_416, deit.get("params").asLong());
        assertEquals(0.9, deit.get("data_config").get("crop_pct").asDouble(), "timm 0.9.16's DeiT config");
        assertTrue(run("models").out().contains("cait_m48_448"));
        JsonNode dino = null;
        for (JsonNode m : all) {
            if (m.get("name").asText().equals("vit_small_patch14_reg4_dinov2")) {
                dino = m;
            }
        }
        assertEquals(22_057_344, dino.get("params").asLong(), "timm 0.9.16's count");
        assertEquals(518, dino.get("data_config").get("input_size").get(1).asInt());
    }

    @Test
    void badImagesExitWithTwo() throws IOException {
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "missing.png"), "image not found: missing.png");
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, text.toString()), "not a recognised image");
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, empty.toString()), "not a recognised image");
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
        assertBadInput(run("predict", "-m", VIT, "-w", garbage.toString(), IMAGE), "not a weights file");
        Result misfit = run(
                "predict",
                "-m",
                VIT,
                "-w",
                FIXTURES.resolve("cait_micro/model.safetensors").toString(),
                IMAGE);
        assertBadInput(misfit, "do not fit");
        assertTrue(misfit.err().contains("do not fit vit_micro: unexpected blocks.0.attn.proj_l.bias"), misfit.err());
        assertTrue(misfit.err().contains("mis-shaped pos_embed (file [1, 16, 48], model [1, 17, 48])"), misfit.err());
        assertBadInput(run("predict", "-m", VIT, "-w", "nowhere.safetensors", IMAGE), "weights file not found");
    }

    /** The library names its parameters (architecture); the command line says which flag that is. */
    @Test
    void libraryErrorsAreSpelledAsFlags() {
        Result r = run("predict", "-w", VIT_WEIGHTS, IMAGE);
        assertBadInput(r, "pass -m (a registered name or a config .json)");
        dev.vit4j.Vit4jException library = org.junit.jupiter.api.Assertions.assertThrows(
                dev.vit4j.Vit4jException.class,
                () -> dev.vit4j.inference.LoadedModel.load((String) null, Path.of(VIT_WEIGHTS)));
        assertTrue(library.getMessage().contains("pass architecture (a registered name"), library.getMessage());
    }

    @Test
    void badModelsAndUsageExitWithTwo() throws IOException {
        Path huge = Files.writeString(
                dir.resolve("huge.json"),
                "{\"arch\": \"vit\", \"img_size\": [224, 224], \"patch_size\": 16,"
                        + " \"embed_dim\": 65536, \"num_heads\": 64, \"depth\": 4096, \"num_classes\": 10}");
        assertBadInput(run("predict", "-m", huge.toString(), "-w", VIT_WEIGHTS, IMAGE), "for the weights alone");
        Path deep = Files.writeString(
                dir.resolve("deep.json"),
                "{\"arch\": \"vit\", \"img_size\": [32, 32], \"patch_size\": 8,"
                        + " \"embed_dim\": 48, \"num_heads\": 3, \"depth\": 10000, \"num_classes\": 10}");
        assertBadInput(run("predict", "-m", deep.toString(), "-w", VIT_WEIGHTS, IMAGE), "beyond vit4j's limits");
        assertBadInput(run("predict", "-m", "vit_gigantic", "-w", VIT_WEIGHTS, IMAGE), "unknown model 'vit_gigantic'");
        String cfg = Files.readString(Path.of(VIT))
                .replace("\"img_size\": [\n    32,\n    32\n  ]", "\"img_size\": [30, 32]");
        Path odd = Files.writeString(dir.resolve("odd.json"), cfg);
        assertBadInput(
                run("predict", "-m", odd.toString(), "-w", VIT_WEIGHTS, IMAGE),
                "image size 30×32 is not divisible by the patch size 8");
        Path heads = Files.writeString(
                dir.resolve("heads.json"),
                Files.readString(Path.of(VIT)).replace("\"num_heads\": 3", "\"num_heads\": 5"));
        assertBadInput(run("predict", "-m", heads.toString(), "-w", VIT_WEIGHTS, IMAGE), "not divisible by num_heads");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"arch\": \"vit\",");
        assertBadInput(run("predict", "-m", broken.toString(), "-w", VIT_WEIGHTS, IMAGE), "invalid model config");
        assertBadInput(run("predict", "-m", VIT, IMAGE), "needs weights: -w FILE, or --pretrained");
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "-k", "0", IMAGE), "-k must be at least 1");
        assertBadInput(run("frobnicate"), "Unmatched argument");
    }

    /** A folder with corrupt images among good ones: each bad one named and left out, a count, exit 0. */
    @Test
    void unreadableImagesAreSkippedNamedAndCounted() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("photos/sub"));
        List<String> good = List.of("landscape.png", "portrait.png", "odd.jpg", "small.png", "gray.png");
        for (String name : good) {
            Files.copy(FIXTURES.resolve("images/" + name), folder.resolve(name));
        }
        byte[] png = Files.readAllBytes(FIXTURES.resolve("images/landscape.png"));
        Files.write(folder.resolve("cut.png"), Arrays.copyOf(png, png.length / 3));
        Files.writeString(folder.resolve("fake.jpg"), "not a jpeg");
        Path npy = dir.resolve("e.npy");
        Result r = run(
                "embed",
                "-m",
                VIT,
                "-w",
                VIT_WEIGHTS,
                "--batch-size",
                "3",
                dir.resolve("photos").toString(),
                "-o",
                npy.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("cut.png") && r.err().contains("fake.jpg"), r.err());
        assertTrue(r.err().contains("2 of 7 images could not be read"), r.err());
        List<String> rows = Files.readAllLines(dir.resolve("e.txt"));
        assertEquals(5, rows.size(), rows.toString());
        assertTrue(rows.stream().noneMatch(p -> p.endsWith("cut.png") || p.endsWith("fake.jpg")));
        assertTrue(r.out().startsWith("5 × 48 embeddings"), r.out());

        Result p = run(
                "predict",
                "-m",
                VIT,
                "-w",
                VIT_WEIGHTS,
                "--json",
                folder.resolve("fake.jpg").toString(),
                folder.resolve("odd.jpg").toString());
        assertEquals(0, p.code(), p.err());
        assertEquals(1, p.out().strip().lines().count(), p.out());
        assertTrue(p.err().contains("1 of 2 images could not be read"), p.err());
    }

    @Test
    void anOutputFileNeedsAnExistingFolder() {
        Path missing = dir.resolve("no/such");
        String pth = FIXTURES.resolve("formats/vit_micro.pth").toString();
        assertBadInput(run("convert", pth, missing.resolve("w.safetensors").toString()), "no such folder for OUT");
        assertBadInput(
                run(
                        "export",
                        "-m",
                        VIT,
                        "-w",
                        VIT_WEIGHTS,
                        "-o",
                        missing.resolve("m.onnx").toString()),
                "no such folder for -o");
        assertBadInput(
                run(
                        "embed",
                        "-m",
                        VIT,
                        "-w",
                        VIT_WEIGHTS,
                        IMAGE,
                        "-o",
                        missing.resolve("e.npy").toString()),
                "no such folder for -o");
        assertTrue(!java.nio.file.Files.exists(missing.getParent()), "nothing created");
        assertEquals(
                0, run("convert", pth, dir.resolve("w.safetensors").toString()).code());
    }

    @Test
    void hostileInputsAreRefusedWithOneLine() throws IOException {
        // A safetensors header that claims a terabyte.
        java.nio.ByteBuffer tb = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        tb.putLong(1L << 40).put("{\"a\":{}}".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 8);
        Path tera = Files.write(dir.resolve("tera.safetensors"), tb.array());
        assertBadInput(run("predict", "-m", VIT, "-w", tera.toString(), IMAGE), "header");
        // A decompression bomb: a 100-byte PNG that declares 100 000 × 100 000 pixels.
        Path bomb = Files.write(dir.resolve("bomb.png"), pngHeaderOnly(100_000, 100_000));
        assertBadInput(run("predict", "-m", VIT, "-w", VIT_WEIGHTS, bomb.toString()), "decompression bomb");
        // A config far beyond any model: refused before anything is allocated.
        Path huge = Files.writeString(
                dir.resolve("huge.json"),
                Files.readString(Path.of(VIT)).replace("\"embed_dim\": 48", "\"embed_dim\": 1048576"));
        assertBadInput(run("predict", "-m", huge.toString(), "-w", VIT_WEIGHTS, IMAGE), "beyond vit4j's limits");
        // One pixel is a valid image: resized like any other.
        java.awt.image.BufferedImage one =
                new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
        one.setRGB(0, 0, 0x336699);
        Path pixel = dir.resolve("pixel.png");
        javax.imageio.ImageIO.write(one, "png", pixel.toFile());
        Result r = run("predict", "-m", VIT, "-w", VIT_WEIGHTS, "--json", pixel.toString());
        assertEquals(0, r.code(), r.err());
    }

    /** A PNG signature, an IHDR with the given size (8-bit RGB) and an empty IEND: no pixel data at all. */
    static byte[] pngHeaderOnly(int width, int height) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13)
                .putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        crc.update(t);
        crc.update(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(
                java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
