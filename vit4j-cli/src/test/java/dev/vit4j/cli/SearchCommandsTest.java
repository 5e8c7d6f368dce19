package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.assertBadInput;
import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.search.VitIndex;
import dev.vit4j.testing.Pictures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * index, search and duplicates on a tiny CLIP (tools/clip_fixtures.py small): each photo finds its own resized,
 * recompressed copy first and duplicates pairs them; the index's model is recorded (no -m needed) and another refused;
 * an index killed mid-run opens at its last commit and the next run completes it; a second writer is refused.
 */
class SearchCommandsTest {
    private static final String CLIP =
            ClipCommandsTest.CLIP.resolve("clip-tiny").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** {@code n} pictures of coloured rectangles, each its own size, under {@code folder}. */
    static List<Path> photos(Path folder, int n, long seed) throws Exception {
        Files.createDirectories(folder);
        Random random = new Random(seed);
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = folder.resolve(String.format("photo%03d.png", i));
            ImageIO.write(Pictures.rectangles(random), "png", p.toFile());
            out.add(p);
        }
        return out;
    }

    /** The image at three quarters of its size, as a JPEG in {@code folder}. */
    static Path augmented(Path image, Path folder) throws Exception {
        Path out = Pictures.threeQuartersJpeg(
                ImageIO.read(image.toFile()),
                folder.resolve(image.getFileName().toString().replace(".png", ".jpg")));
        return out;
    }

    private static String abs(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    @Test
    void eachPhotoFindsItsOwnCopyFirstAndDuplicatesPairsThem() throws Exception {
        List<Path> photos = photos(dir.resolve("photos"), 10, 34);
        List<Path> copies = new ArrayList<>();
        for (Path p : photos) {
            copies.add(augmented(p, dir.resolve("copies")));
        }
        String index = dir.resolve("index").toString();
        CliTest.Result r = run("index", "-w", CLIP, dir.resolve("copies").toString(), "-o", index);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("10 images (10 embedded"), r.out());
        for (int i = 0; i < photos.size(); i++) {
            // no -m/-w: the index's own model
            r = run("search", index, "--image", photos.get(i).toString(), "-k", "3", "--json");
            assertEquals(0, r.code(), r.err());
            String[] lines = r.out().strip().split("\n");
            assertEquals(3, lines.length, r.out());
            JsonNode first = JSON.readTree(lines[0]);
            assertEquals(abs(copies.get(i)), first.get("path").asText(), "photo " + i + "'s first hit");
            assertEquals(1, first.get("rank").asInt());
            assertTrue(first.get("score").asDouble()
                    >= JSON.readTree(lines[1]).get("score").asDouble());
        }
        // the originals added: incremental (the copies not embedded again), and each pair a group
        r = run("index", dir.resolve("copies").toString(), dir.resolve("photos").toString(), "-o", index);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("20 images (10 embedded, 0 known contents reused, 10 unchanged"), r.out());
        r = run("duplicates", index, "--threshold", "0.99", "--json");
        assertEquals(0, r.code(), r.err());
        Set<Set<String>> groups = new HashSet<>();
        for (String line : r.out().strip().split("\n")) {
            Set<String> group = new HashSet<>();
            JSON.readTree(line)
                    .get("images")
                    .forEach(n -> group.add(n.get("path").asText()));
            groups.add(group);
        }
        Set<Set<String>> pairs = new HashSet<>();
        for (int i = 0; i < photos.size(); i++) {
            pairs.add(Set.of(abs(photos.get(i)), abs(copies.get(i))));
        }
        assertEquals(pairs, groups);

        // filters inside the search: only the copies' folder, only what was modified before 1971
        r = run(
                "search",
                index,
                "--image",
                photos.get(0).toString(),
                "-k",
                "20",
                "--path-prefix",
                dir.resolve("copies") + "/");
        assertEquals(10, r.out().strip().split("\n").length, r.out());
        assertFalse(r.out().contains("photos/"), r.out());
        r = run("search", index, "--image", photos.get(0).toString(), "--modified-before", "1971-01-01");
        assertEquals("", r.out().strip());
        assertTrue(r.err().contains("passes the filters"), r.err());

        // a sentence: the same space; deleted files removed on the next run
        r = run("search", index, "--text", "a red square", "-k", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, r.out().strip().split("\n").length, r.out());
        Files.delete(photos.get(3));
        r = run("index", dir.resolve("photos").toString(), "-o", index);
        assertTrue(
                r.out().contains("19 images (0 embedded, 0 known contents reused, 9 unchanged, 1 removed)"), r.out());
    }

    @Test
    void anotherModelAQuantizedIndexAndBadQueriesAreOneLine() throws Exception {
        List<Path> photos = photos(dir.resolve("photos"), 4, 5);
        String index = dir.resolve("index").toString();
        CliTest.Result r =
                run("index", "-w", CLIP, dir.resolve("photos").toString(), "-o", index, "--quantize", "int8");
        assertEquals(0, r.code(), r.err());
        r = run("search", index, "--image", photos.get(2).toString(), "-k", "1");
        assertTrue(r.out().contains(abs(photos.get(2))), "an int8 index finds an image itself: " + r.out());
        String siglip = ClipCommandsTest.CLIP.resolve("siglip-tiny").toString();
        assertBadInput(
                run("search", index, "-w", siglip, "--image", photos.get(0).toString()), "another model");
        assertBadInput(run("index", "-w", siglip, dir.resolve("photos").toString(), "-o", index), "another model");
        assertBadInput(run("search", index), "give one of --image IMAGE or --text SENTENCE");
        assertBadInput(run("search", dir.resolve("nothing").toString(), "--text", "x"), "no index in");
        assertBadInput(
                run("index", "-w", CLIP, dir.resolve("photos").toString(), "-o", index, "--quantize", "int4"),
                "--quantize takes none or int8");
        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("keep.txt"), "mine");
        assertBadInput(
                run("index", "-w", CLIP, dir.resolve("photos").toString(), "-o", foreign.toString()),
                "holds other files");
        String vitIndex = dir.resolve("vit-index").toString();
        r = run(
                "index",
                "-m",
                CliTest.VIT,
                "-w",
                CliTest.VIT_WEIGHTS,
                dir.resolve("photos").toString(),
                "-o",
                vitIndex);
        assertEquals(0, r.code(), r.err());
        assertBadInput(run("search", vitIndex, "--text", "a cat"), "text tower");
        r = run("search", vitIndex, "--image", photos.get(1).toString(), "-k", "1");
        assertTrue(r.out().contains(abs(photos.get(1))), "a features-only model's index: " + r.out());
    }

    @Test
    void aSecondWriterIsRefused() throws Exception {
        photos(dir.resolve("photos"), 2, 9);
        Path index = dir.resolve("index");
        try (ModelPipeline clip =
                        ModelPipeline.open(LoadedModel.load((String) null, Path.of(CLIP)), EngineType.ONNX, 1);
                VitIndex writer = VitIndex.open(index, clip)) {
            assertBadInput(
                    run("index", "-w", CLIP, dir.resolve("photos").toString(), "-o", index.toString()),
                    "another writer");
            assertEquals(0, writer.size(), "the first writer's index untouched");
        }
    }

    /**
     * kill -9 while indexing: every batch is committed, so the index opens at the last commit (searchable) and the
     * next run embeds only what the killed one had not.
     */
    @Test
    void anIndexKilledMidRunOpensAtItsLastCommitAndTheNextRunCompletesIt() throws Exception {
        int n = 240;
        photos(dir.resolve("photos"), n, 11);
        Path index = dir.resolve("index");
        Process child = ChildCli.start(
                dir.resolve("child.log"),
                java.util.Map.of(),
                "index",
                "-w",
                CLIP,
                dir.resolve("photos").toString(),
                "-o",
                index.toString(),
                "-b",
                "4");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (commits(index) < 4) {
            assertTrue(
                    child.isAlive(),
                    "the run ended before it was killed: " + Files.readString(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "no commits after 120 s");
            Thread.sleep(20);
        }
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(child.exitValue() == 137 || child.exitValue() == 9, "killed: " + child.exitValue());

        CliTest.Result r = run(
                "search",
                index.toString(),
                "--image",
                dir.resolve("photos/photo000.png").toString(),
                "-k",
                "1");
        assertEquals(0, r.code(), "the killed index opens: " + r.err());
        r = run("index", dir.resolve("photos").toString(), "-o", index.toString());
        assertEquals(0, r.code(), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        n + " images \\((\\d+) embedded, 0 known contents reused, (\\d+) unchanged, 0 removed\\)")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        int embedded = Integer.parseInt(m.group(1));
        int unchanged = Integer.parseInt(m.group(2));
        assertEquals(n, embedded + unchanged);
        assertTrue(unchanged >= 8, "what the killed run committed is kept: " + r.out());
        assertTrue(embedded > 0, "it was killed before the end: " + r.out());
    }

    private static long commits(Path index) throws Exception {
        if (!Files.isDirectory(index)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(index)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith("segments_"))
                    .mapToLong(f -> Long.parseLong(f.substring("segments_".length()), Character.MAX_RADIX))
                    .max()
                    .orElse(0);
        }
    }
}
