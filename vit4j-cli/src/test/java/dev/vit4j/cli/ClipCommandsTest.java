package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.assertBadInput;
import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * embed --texts and zero-shot on tiny CLIP and SigLIP models in open_clip's and transformers' layouts (tools/
 * clip_fixtures.py small, transformers), and their bad inputs.
 */
class ClipCommandsTest {
    static final Path CLIP = Path.of("..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "clip");

    @TempDir
    Path dir;

    static JsonNode expected(String model) throws IOException {
        return new ObjectMapper()
                .readTree(CLIP.resolve(model + "-expected/expected.json").toFile());
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private Path lines(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"clip-tiny", "siglip-tiny", "clip-hf", "siglip-hf"})
    void embedTextsAndZeroShotAreOpenClips(String model) throws IOException {
        JsonNode want = expected(model);
        Path texts = lines("texts.txt", strings(want.get("texts")));
        CliTest.Result r = run(
                "embed",
                "-w",
                CLIP.resolve(model).toString(),
                "--texts",
                texts.toString(),
                "-o",
                dir.resolve("t.npy").toString());
        assertEquals(0, r.code(), r.err());
        float[][] rows = Npy.read(dir.resolve("t.npy"));
        assertEquals(want.get("texts").size(), rows.length);
        for (int i = 0; i < rows.length; i++) {
            ClipFullSizeTest.assertClose(want.get("text_embeds").get(i), rows[i], model + " text " + i);
        }

        Path labels = lines("labels.txt", strings(want.get("labels")));
        Path templates = lines("templates.txt", strings(want.get("templates")));
        List<String> args = new ArrayList<>(List.of(
                "zero-shot",
                "-w",
                CLIP.resolve(model).toString(),
                "--labels",
                labels.toString(),
                "--templates",
                templates.toString(),
                "--json",
                "-k",
                "2"));
        want.get("images")
                .forEach(n ->
                        args.add(CLIP.resolve(model + "-expected/" + n.asText()).toString()));
        r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        String[] out = r.out().strip().split("\n");
        assertEquals(want.get("images").size(), out.length);
        List<String> labelList = strings(want.get("labels"));
        for (int i = 0; i < out.length; i++) {
            JsonNode line = new ObjectMapper().readTree(out[i]);
            JsonNode preds = line.get("predictions");
            assertEquals(2, preds.size());
            assertTrue(
                    preds.get(0).get("logit").asDouble()
                            >= preds.get(1).get("logit").asDouble(),
                    "best first");
            for (JsonNode p : preds) {
                int c = labelList.indexOf(p.get("label").asText());
                assertEquals(
                        want.get("probabilities").get(i).get(c).asDouble(),
                        p.get("probability").asDouble(),
                        1e-4);
            }
        }

        // the text form says when probabilities are independent
        r = run(
                "zero-shot",
                "-w",
                CLIP.resolve(model).toString(),
                "--labels",
                labels.toString(),
                CLIP.resolve(model + "-expected/image0.png").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(model.startsWith("siglip"), r.out().contains("sigmoid"), r.out());
    }

    @Test
    void badTextInputsAreOneLineAndWriteNothing() throws IOException {
        String clip = CLIP.resolve("clip-tiny").toString();
        Path out = dir.resolve("t.npy");
        // a model without a text tower
        Path texts = lines("texts.txt", List.of("a cat"));
        assertBadInput(
                run(
                        "embed",
                        "-m",
                        CliTest.VIT,
                        "-w",
                        CliTest.VIT_WEIGHTS,
                        "--texts",
                        texts.toString(),
                        "-o",
                        out.toString()),
                "has no text tower");
        assertBadInput(
                run(
                        "zero-shot",
                        "-m",
                        CliTest.VIT,
                        "-w",
                        CliTest.VIT_WEIGHTS,
                        "--labels",
                        texts.toString(),
                        CliTest.IMAGE),
                "has no text tower");
        // a texts file that is not UTF-8, named by line
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, "first\nsecond\ncaf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertBadInput(
                run("embed", "-w", clip, "--texts", latin1.toString(), "-o", out.toString()), "line 3 is not UTF-8");
        // empty files
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n  \n");
        assertBadInput(run("zero-shot", "-w", clip, "--labels", empty.toString(), CliTest.IMAGE), "is empty");
        assertBadInput(
                run(
                        "embed",
                        "-w",
                        clip,
                        "--texts",
                        Files.writeString(dir.resolve("nothing.txt"), "").toString(),
                        "-o",
                        out.toString()),
                "is empty");
        // more labels than one classifier takes
        Path many = dir.resolve("many.txt");
        try (Stream<String> s = Stream.iterate(0, i -> i + 1).limit(100_001).map(i -> "label " + i)) {
            Files.write(many, (Iterable<String>) s::iterator);
        }
        assertBadInput(run("zero-shot", "-w", clip, "--labels", many.toString(), CliTest.IMAGE), "at most 100000");
        // a template without the label's place, both template flags, texts and images together
        assertBadInput(
                run("zero-shot", "-w", clip, "--labels", texts.toString(), "--template", "a photo", CliTest.IMAGE),
                "has no {}");
        assertBadInput(
                run(
                        "zero-shot",
                        "-w",
                        clip,
                        "--labels",
                        texts.toString(),
                        "--template",
                        "{}",
                        "--templates",
                        "openai",
                        CliTest.IMAGE),
                "not both");
        assertBadInput(
                run("embed", "-w", clip, "--texts", texts.toString(), "-o", out.toString(), CliTest.IMAGE), "not both");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void hostileTokenizerFilesAreRefusedBeforeTheyAreRead() throws IOException {
        Path model = dir.resolve("siglip");
        Files.createDirectories(model);
        try (Stream<Path> files = Files.list(CLIP.resolve("siglip-tiny"))) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        Path texts = lines("texts.txt", List.of("a cat"));
        Path out = dir.resolve("t.npy");
        Path tokenizer = model.resolve("tokenizer.json");
        // not JSON
        Files.writeString(tokenizer, "{\"model\": [1, 2");
        assertBadInput(
                run("embed", "-w", model.toString(), "--texts", texts.toString(), "-o", out.toString()),
                "tokenizer.json is not JSON");
        // a model type it does not read
        Files.writeString(tokenizer, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        assertBadInput(
                run("embed", "-w", model.toString(), "--texts", texts.toString(), "-o", out.toString()),
                "WordPiece model is not read");
        // a charsmap whose trie claims more than it holds
        Files.writeString(
                tokenizer,
                "{\"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\":"
                        + " \"/////wAAAAA=\"}, \"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"<unk>\", 0]]}}");
        assertBadInput(
                run("embed", "-w", model.toString(), "--texts", texts.toString(), "-o", out.toString()), "charsmap");
        // larger than vit4j reads: refused from its size, before a byte is read
        Files.delete(tokenizer);
        try (RandomAccessFile f = new RandomAccessFile(tokenizer.toFile(), "rw")) {
            f.setLength(65L << 20);
        }
        assertBadInput(
                run("embed", "-w", model.toString(), "--texts", texts.toString(), "-o", out.toString()),
                "vit4j reads at most");
        // an spiece.model that is not one
        Files.delete(tokenizer);
        Files.writeString(model.resolve("spiece.model"), "not a protobuf at all");
        assertBadInput(
                run("embed", "-w", model.toString(), "--texts", texts.toString(), "-o", out.toString()),
                "spiece.model");
        assertFalse(Files.exists(out), "nothing written");
    }
}
