package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.FIXTURES;
import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.weights.SafeTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbingCommandsTest {
    static final String CAIT = FIXTURES.resolve("cait_micro/config.json").toString();
    static final String CAIT_WEIGHTS =
            FIXTURES.resolve("cait_micro/model.safetensors").toString();
    static final String IMAGE = FIXTURES.resolve("images/landscape.png").toString();

    @TempDir
    Path dir;

    @Test
    void attentionWritesFiguresAndTensorsPerImage() throws IOException {
        var r = run(
                "attention",
                "-m",
                CAIT,
                "-w",
                CAIT_WEIGHTS,
                "-o",
                dir.toString(),
                "--colormap",
                "inferno",
                IMAGE,
                FIXTURES.resolve("images/gray.png").toString());
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("landscape");
        for (String f : List.of(
                "input.png",
                "saliency.png",
                "overlay.png",
                "heads_blocks_token_only.0.png",
                "heads_blocks_token_only.1.png",
                "attention.safetensors")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        BufferedImage overlay = ImageIO.read(out.resolve("overlay.png").toFile());
        assertEquals(224, overlay.getWidth(), "32-pixel inputs are drawn 7× larger");
        assertEquals(224, overlay.getHeight());
        try (SafeTensors st = SafeTensors.open(out.resolve("attention.safetensors"))) {
            assertArrayEquals(
                    new long[] {4, 1, 17},
                    st.info("attention.blocks_token_only.1").shape(),
                    "batch dropped");
            assertArrayEquals(
                    new long[] {4, 16, 16},
                    st.info("attention_softmax.blocks.2").shape());
        }
        assertTrue(Files.isDirectory(dir.resolve("gray")));
        try (var files = Files.walk(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void rolloutIsForViTAndUnknownBlocksAreNamed() {
        CliTest.assertBadInput(
                run("attention", "-m", CAIT, "-w", CAIT_WEIGHTS, "-o", dir.toString(), "--rollout", IMAGE),
                "no --rollout for cait_micro: CaiT's class token only enters in its last blocks");
        CliTest.assertBadInput(
                run(
                        "attention",
                        "-m",
                        CliTest.VIT,
                        "-w",
                        CliTest.VIT_WEIGHTS,
                        "-o",
                        dir.toString(),
                        "--block",
                        "blocks.7",
                        IMAGE),
                "no block 'blocks.7'");
        CliTest.assertBadInput(
                run("attention", "-m", CAIT, "-w", CAIT_WEIGHTS, "-o", dir.toString(), "--colormap", "jet", IMAGE),
                "unknown colormap 'jet'");
        var ok = run(
                "attention",
                "-m",
                CliTest.VIT,
                "-w",
                CliTest.VIT_WEIGHTS,
                "-o",
                dir.toString(),
                "--rollout",
                "--head-fusion",
                "max",
                IMAGE);
        assertEquals(0, ok.code(), ok.err());
        assertTrue(Files.isRegularFile(dir.resolve("landscape/rollout_overlay.png")));
    }

    @Test
    void madReadsADatasetSpec() throws IOException {
        var r = run(
                "mad",
                "-m",
                CliTest.VIT,
                "-w",
                CliTest.VIT_WEIGHTS,
                "-o",
                dir.toString(),
                "--data",
                "shapes:32:10",
                "--limit",
                "6",
                "--batch-size",
                "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("over 6 image(s)"), r.out());
        assertEquals(1 + 3 * 3, Files.readAllLines(dir.resolve("mad.csv")).size());
        CliTest.assertBadInput(
                run("mad", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "-o", dir.toString()),
                "give images or --data");
    }

    @Test
    void madWritesCsvAndPlot() throws IOException {
        var r = run(
                "mad",
                "-m",
                CAIT,
                "-w",
                CAIT_WEIGHTS,
                "-o",
                dir.toString(),
                "--batch-size",
                "2",
                IMAGE,
                IMAGE,
                FIXTURES.resolve("images/small.png").toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(dir.resolve("mad.csv"));
        assertEquals("block,head,mean_distance", lines.get(0));
        assertEquals(1 + 3 * 4, lines.size(), "3 talking-heads blocks × 4 heads");
        assertTrue(lines.get(1).startsWith("blocks.0,0,"));
        double d = Double.parseDouble(lines.get(1).split(",")[2]);
        assertTrue(d > 0 && d < 32 * Math.sqrt(2), "a distance within the 32-pixel input: " + d);
        BufferedImage png = ImageIO.read(dir.resolve("mad.png").toFile());
        assertTrue(png.getWidth() > 400);
    }
}
