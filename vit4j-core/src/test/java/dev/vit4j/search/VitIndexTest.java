package dev.vit4j.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vector index over a tiny CLIP's image embeddings (Lucene HNSW): each image's resized, recompressed copy is found
 * first by example, an image found by a sentence, re-adding is incremental, removal, reopening at the last commit, and
 * refusals (another model, a second writer, a foreign directory).
 */
class VitIndexTest {
    @TempDir
    Path dir;

    private static Path resource(String name) throws Exception {
        return Path.of(VitIndexTest.class.getResource("/dev/vit4j/clip/" + name).toURI());
    }

    /** Eight different pictures: noise over a coloured shape, each of its own size and colours. */
    private List<Path> photos() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("photos"));
        Random random = new Random(7);
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int w = 40 + 9 * i;
            int h = 70 - 4 * i;
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int base = random.nextInt(0xffffff);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    boolean inside = (x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < w * h / 8;
                    image.setRGB(x, y, inside ? base : random.nextInt(0xffffff));
                }
            }
            Path p = folder.resolve("photo" + i + ".png");
            ImageIO.write(image, "png", p.toFile());
            out.add(p);
        }
        return out;
    }

    /** The image at 80 % of its size, as a JPEG. */
    private Path augmented(Path image) throws Exception {
        BufferedImage src = ImageIO.read(image.toFile());
        int w = src.getWidth() * 4 / 5;
        int h = src.getHeight() * 4 / 5;
        BufferedImage small = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        Path out = Files.createDirectories(dir.resolve("queries"))
                .resolve(image.getFileName().toString().replace(".png", ".jpg"));
        ImageIO.write(small, "jpg", out.toFile());
        return out;
    }

    @Test
    void findsEachImagesAugmentedCopyFirstAndKeepsItsCommits() throws Exception {
        List<Path> photos = photos();
        Path index = dir.resolve("index");
        try (ModelPipeline clip =
                ModelPipeline.open(LoadedModel.load((String) null, resource("clip-tiny")), EngineType.ONNX, 1)) {
            try (VitIndex vi = VitIndex.open(index, clip)) {
                for (Path p : photos) {
                    assertTrue(vi.add(p));
                }
                assertFalse(vi.add(photos.get(0)), "unchanged: not embedded again");
                vi.commit();
                assertEquals(photos.size(), vi.size());
                for (Path p : photos) {
                    List<VitIndex.Hit> hits = vi.searchImage(augmented(p), 3);
                    assertEquals(p.toAbsolutePath().toString(), hits.get(0).path(), "first hit for " + p);
                    assertTrue(hits.get(0).score() >= hits.get(1).score());
                }
                List<VitIndex.Hit> itself = vi.searchImage(photos.get(3), 1);
                assertEquals(1.0, itself.get(0).score(), 1e-4, "an image is its own nearest, cosine 1");
                assertEquals(3, vi.searchText("a red circle", 3).size(), "a sentence searches the same space");
                assertTrue(vi.remove(photos.get(5)));
                assertFalse(vi.remove(dir.resolve("never-added.png")));
                // added after the last commit: gone when the index is reopened without one
                vi.commit();
                vi.add("uncommitted", new float[vi.dimension()], 1, 1);
                Vit4jException second = assertThrows(Vit4jException.class, () -> VitIndex.open(index, clip));
                assertTrue(second.getMessage().contains("another writer"), second.getMessage());
            }
            try (VitIndex reopened = VitIndex.open(index, clip)) {
                assertEquals(photos.size(), reopened.size(), "7 committed images and the closing commit's one");
                assertTrue(reopened.searchImage(photos.get(5), photos.size()).stream()
                        .noneMatch(h ->
                                h.path().equals(photos.get(5).toAbsolutePath().toString())));
            }
        }
        try (ModelPipeline other =
                ModelPipeline.open(LoadedModel.load((String) null, resource("siglip-tiny")), EngineType.ONNX, 1)) {
            Vit4jException e = assertThrows(Vit4jException.class, () -> VitIndex.open(index, other));
            assertTrue(e.getMessage().contains("another model"), e.getMessage());
        }
    }
}
