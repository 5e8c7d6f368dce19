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
                vi.add("uncommitted", new float[vi.dimension()], 1, 1, null);
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

    private static ModelPipeline clip() throws Exception {
        return ModelPipeline.open(LoadedModel.load((String) null, resource("clip-tiny")), EngineType.ONNX, 1);
    }

    @Test
    void updatesIncrementallyReusesKnownContentsRemovesDeletedFilesAndFilters() throws Exception {
        List<Path> photos = photos();
        Path folder = photos.get(0).getParent();
        Path index = dir.resolve("index");
        VitIndex.Origin origin = new VitIndex.Origin("clip-tiny", "/w", null, false, null);
        VitIndex.Settings settings = new VitIndex.Settings(8, 50, true);
        try (ModelPipeline clip = clip()) {
            List<Integer> batches = new ArrayList<>();
            try (VitIndex vi = VitIndex.open(index, clip, settings, origin)) {
                VitIndex.Update first =
                        vi.update(photos, List.of(folder), 3, (files, outcomes, done, total) -> batches.add(done));
                assertEquals(new VitIndex.Update(8, 0, 0, 0, 0), first);
                assertEquals(List.of(3, 6, 8), batches, "each batch committed and told");
                // touched (same bytes, new time), moved (renamed), deleted, one new copy of known content
                Files.setLastModifiedTime(photos.get(1), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
                Path moved = Files.move(photos.get(2), folder.resolve("renamed.png"));
                Files.delete(photos.get(3));
                Path sub = Files.createDirectories(folder.resolve("sub"));
                Path fresh = Files.copy(augmented(photos.get(4)), sub.resolve("new.jpg"));
                List<Path> now = new ArrayList<>(photos);
                now.remove(photos.get(2));
                now.remove(photos.get(3));
                now.add(moved);
                now.add(fresh);
                VitIndex.Update second = vi.update(now, List.of(folder), 3, null);
                assertEquals(new VitIndex.Update(1, 2, 5, 2, 0), second, "only the new content is embedded");
                assertEquals(8, vi.size());
                List<VitIndex.Hit> inSub =
                        vi.search(vi.imageVector(photos.get(0)), 5, new VitIndex.Filter(key(sub) + "/", null, null), 5);
                assertEquals(
                        List.of(key(fresh)),
                        inSub.stream().map(VitIndex.Hit::path).toList(),
                        "a path prefix inside the graph search: the one image under sub/, however far");
                List<VitIndex.Hit> old =
                        vi.search(vi.imageVector(photos.get(0)), 8, new VitIndex.Filter(null, null, 1_000_000L), 8);
                assertEquals(
                        List.of(key(photos.get(1))),
                        old.stream().map(VitIndex.Hit::path).toList(),
                        "a modification-time range");
                List<List<VitIndex.Hit>> groups = vi.duplicates(0.99, 5);
                assertTrue(
                        groups.stream().anyMatch(g -> g.stream()
                                .map(VitIndex.Hit::path)
                                .toList()
                                .equals(List.of(key(photos.get(4)), key(fresh)))),
                        "the copy and its original grouped: " + groups);
                assertEquals(8, vi.paths().size());
                assertEquals(
                        8,
                        vi.search(
                                        vi.imageVector(photos.get(0)),
                                        Integer.MAX_VALUE,
                                        VitIndex.Filter.NONE,
                                        Integer.MAX_VALUE)
                                .size(),
                        "k and candidates far above the index's size: its images, no queue of 2^31 entries");
            }
            VitIndex.Description d = VitIndex.describe(index);
            assertEquals(origin, d.origin());
            assertEquals(settings, d.settings());
            assertEquals(8, d.images());
            assertTrue(d.preprocessing().contains("\"input_size\""), d.preprocessing());
            assertTrue(d.model().endsWith(" head"), "a two-tower model's joint-space embedding: " + d.model());
            try (VitIndex reader = VitIndex.openForSearch(index, clip)) {
                assertEquals(
                        key(photos.get(0)),
                        reader.searchImage(photos.get(0), 1).get(0).path());
                Vit4jException e = assertThrows(Vit4jException.class, () -> reader.remove(photos.get(0)));
                assertTrue(e.getMessage().contains("searching only"), e.getMessage());
                try (VitIndex writer = VitIndex.open(index, clip)) {
                    writer.add(photos.get(5));
                    assertEquals(settings, writer.settings(), "an existing index keeps its own settings");
                }
            }
        }
    }

    private static String key(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    @Test
    void aForeignOrDamagedFolderIsOneLine() throws Exception {
        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        Path damaged = dir.resolve("damaged");
        try (ModelPipeline clip = clip()) {
            Vit4jException e = assertThrows(Vit4jException.class, () -> VitIndex.open(foreign, clip));
            assertTrue(e.getMessage().contains("holds other files"), e.getMessage());
            assertEquals(List.of("notes.txt"), List.of(foreign.toFile().list()), "nothing written into it");
            e = assertThrows(Vit4jException.class, () -> VitIndex.openForSearch(dir.resolve("absent"), clip));
            assertTrue(e.getMessage().startsWith("no index in"), e.getMessage());
            try (VitIndex vi = VitIndex.open(damaged, clip)) {
                vi.add(photos().get(0));
            }
            try (java.util.stream.Stream<Path> files = Files.list(damaged)) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("segments_"))
                        .toList()) {
                    Files.write(f, new byte[] {1, 2, 3});
                }
            }
            e = assertThrows(Vit4jException.class, () -> VitIndex.open(damaged, clip));
            assertTrue(e.getMessage().contains("cannot be read"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void aFullDiskLeavesTheLastCommitReadable() throws Exception {
        List<Path> photos = photos();
        Path index = dir.resolve("index");
        try (ModelPipeline clip = clip()) {
            try (VitIndex vi = VitIndex.open(index, clip)) {
                vi.update(photos.subList(0, 4), List.of(), 4, null);
            }
            FullDisk disk = new FullDisk(org.apache.lucene.store.FSDirectory.open(index));
            VitIndex vi = VitIndex.open(disk, clip);
            disk.full = true;
            assertThrows(java.io.UncheckedIOException.class, () -> vi.update(photos.subList(4, 8), List.of(), 4, null));
            vi.close();
            try (VitIndex reopened = VitIndex.openForSearch(index, clip)) {
                assertEquals(4, reopened.size(), "the last commit, whole");
                assertEquals(
                        key(photos.get(2)),
                        reopened.searchImage(photos.get(2), 1).get(0).path());
            }
            try (VitIndex again = VitIndex.open(index, clip)) {
                assertEquals(
                        new VitIndex.Update(4, 0, 4, 0, 0),
                        again.update(photos, List.of(), 4, null),
                        "the next run completes it");
            }
        }
    }

    /** A disk that fills up: every file created after {@code full} is set fails as a full disk does. */
    private static final class FullDisk extends org.apache.lucene.store.FilterDirectory {
        volatile boolean full;

        FullDisk(org.apache.lucene.store.Directory in) {
            super(in);
        }

        @Override
        public org.apache.lucene.store.IndexOutput createOutput(String name, org.apache.lucene.store.IOContext context)
                throws java.io.IOException {
            if (full) {
                throw new java.io.IOException("No space left on device");
            }
            return super.createOutput(name, context);
        }

        @Override
        public org.apache.lucene.store.IndexOutput createTempOutput(
                String prefix, String suffix, org.apache.lucene.store.IOContext context) throws java.io.IOException {
            if (full) {
                throw new java.io.IOException("No space left on device");
            }
            return super.createTempOutput(prefix, suffix, context);
        }
    }
}
