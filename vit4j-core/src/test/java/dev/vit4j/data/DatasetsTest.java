package dev.vit4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path dir;

    private static byte[] idxImages(int n, int h, int w) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(0x803);
        d.writeInt(n);
        d.writeInt(h);
        d.writeInt(w);
        for (int i = 0; i < n * h * w; i++) {
            d.writeByte(i % 251);
        }
        return b.toByteArray();
    }

    private static byte[] idxLabels(int... labels) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(0x801);
        d.writeInt(labels.length);
        for (int l : labels) {
            d.writeByte(l);
        }
        return b.toByteArray();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream g = new GZIPOutputStream(b)) {
            g.write(raw);
        }
        return b.toByteArray();
    }

    @Test
    void readsIdxGzippedAndPlain() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idxImages(3, 4, 5)));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idxLabels(9, 0, 4)));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idxImages(2, 4, 5));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idxLabels(1, 2));
        Dataset train = DatasetSpec.open("fashion-mnist:" + dir, DatasetSpec.Split.TRAIN);
        assertEquals(3, train.size());
        Example e = train.get(1);
        assertEquals(0, e.label());
        assertEquals(20, e.pixels()[0] & 0xff);
        assertEquals("Ankle boot", train.classes().get(train.get(0).label()));
        Dataset test = DatasetSpec.open("mnist:" + dir, DatasetSpec.Split.TEST);
        assertEquals(2, test.size());
        assertEquals(2, test.get(1).label());
    }

    @Test
    void refusesBrokenIdx() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), java.util.Arrays.copyOf(idxImages(3, 4, 5), 30));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idxLabels(1, 2, 3));
        Vit4jException e =
                assertThrows(Vit4jException.class, () -> DatasetSpec.open("mnist:" + dir, DatasetSpec.Split.TRAIN));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.write(dir.resolve("train-images-idx3-ubyte"), idxImages(3, 4, 5));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idxLabels(1, 2));
        e = assertThrows(Vit4jException.class, () -> DatasetSpec.open("mnist:" + dir, DatasetSpec.Split.TRAIN));
        assertTrue(e.getMessage().contains("2 labels for 3 images"), e.getMessage());
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idxLabels(1, 2, 12));
        e = assertThrows(Vit4jException.class, () -> DatasetSpec.open("mnist:" + dir, DatasetSpec.Split.TRAIN));
        assertTrue(e.getMessage().contains("label 12"), e.getMessage());
        e = assertThrows(Vit4jException.class, () -> DatasetSpec.open("imagenet:x", DatasetSpec.Split.TRAIN));
        assertTrue(e.getMessage().contains("unknown dataset"), e.getMessage());
    }

    @Test
    void readsCifar10And100() throws IOException {
        byte[] rec10 = new byte[2 * 3073];
        rec10[0] = 7;
        rec10[1] = 5;
        rec10[3073] = 3;
        for (int i = 1; i <= 5; i++) {
            Files.write(dir.resolve("data_batch_" + i + ".bin"), rec10);
        }
        Files.write(
                dir.resolve("batches.meta.txt"),
                "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Dataset c10 = DatasetSpec.open("cifar10:" + dir, DatasetSpec.Split.TRAIN);
        assertEquals(10, c10.size());
        assertEquals(7, c10.get(0).label());
        assertEquals(5, c10.get(0).pixels()[0]);
        assertEquals("h", c10.classes().get(7));
        byte[] rec100 = new byte[3074];
        rec100[0] = 3;
        rec100[1] = 99;
        Files.write(dir.resolve("test.bin"), rec100);
        Dataset c100 = DatasetSpec.open("cifar100:" + dir, DatasetSpec.Split.TEST);
        assertEquals(99, c100.get(0).label(), "fine label");
        Files.write(dir.resolve("test.bin"), new byte[3000]);
        assertThrows(Vit4jException.class, () -> DatasetSpec.open("cifar100:" + dir, DatasetSpec.Split.TEST));
    }

    @Test
    void folderSkipsAndReportsBadImages() throws IOException {
        Path train = dir.resolve("train");
        for (String c : List.of("cats", "dogs")) {
            Files.createDirectories(train.resolve(c));
            Files.copy(Fixtures.path("images/small.png"), train.resolve(c).resolve("a.png"));
        }
        Files.writeString(train.resolve("dogs/broken.png"), "not a png");
        Dataset d = DatasetSpec.open("folder:" + dir, DatasetSpec.Split.TRAIN);
        assertEquals(List.of("cats", "dogs"), d.classes());
        assertEquals(3, d.size());
        assertNull(DatasetSpec.open("folder:" + dir, DatasetSpec.Split.TEST), "no val/ folder");
        List<String> warnings = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (BatchLoader loader = new BatchLoader(d, (e, r) -> new float[] {e.label()}, 3, 1, 2, warnings::add)) {
            loader.forEach(new int[] {0, 1, 2}, 1, 0, b -> {
                for (int l : b.labels()) {
                    labels.add(l);
                }
            });
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("broken.png"), warnings.toString());
        assertEquals(3, labels.size(), "the bad file is replaced, the batch stays whole");

        List<Integer> evaluated = new ArrayList<>();
        try (BatchLoader loader = new BatchLoader(d, (e, r) -> new float[] {e.label()}, 3, 1, 2, warnings::add)) {
            loader.forEachInOrder(b -> {
                for (int l : b.labels()) {
                    evaluated.add(l);
                }
            });
            assertEquals(1, loader.skipped());
        }
        assertEquals(List.of(0, 1), evaluated, "in evaluation order the bad file is left out, nothing counted twice");
    }

    @Test
    void anEmptyClassFolderIsRefusedByName() throws IOException {
        for (String c : List.of("cats", "dogs", "emus")) {
            Files.createDirectories(dir.resolve(c));
        }
        Files.copy(Fixtures.path("images/small.png"), dir.resolve("cats/a.png"));
        Files.writeString(dir.resolve("emus/notes.txt"), "no images here");
        Vit4jException e =
                assertThrows(Vit4jException.class, () -> DatasetSpec.open("folder:" + dir, DatasetSpec.Split.TRAIN));
        assertTrue(e.getMessage().contains("no images for the classes dogs, emus"), e.getMessage());
    }

    @Test
    void shapesAreDeterministicAndKnowTheirBoxes() {
        ShapesDataset a = new ShapesDataset(32, 50, 3, "a");
        ShapesDataset b = new ShapesDataset(32, 50, 3, "b");
        int[] perClass = new int[ShapesDataset.CLASSES.size()];
        for (int i = 0; i < 50; i++) {
            Example x = a.get(i);
            assertArrayEquals(x.pixels(), b.get(i).pixels());
            Example.Box box = x.box();
            assertTrue(box.x0() >= 0 && box.y0() >= 0 && box.x1() <= 32 && box.y1() <= 32 && box.x1() - box.x0() >= 8);
            perClass[x.label()]++;
        }
        for (int n : perClass) {
            assertTrue(n > 0, "every class appears");
        }
    }

    @Test
    void augmentationKeepsShapeAndFlipsExactly() {
        float[] img = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, ImageOps.flip(img, 1, 2, 3));
        Augmentation all = new Augmentation();
        all.flip = 1;
        all.zoom = 0.2;
        all.cropScale = 0.5;
        all.padCrop = 2;
        float[] out =
                ImageOps.augment(new float[3 * 20 * 30], 3, 20, 30, 16, 16, all, new java.util.SplittableRandom(1));
        assertEquals(3 * 16 * 16, out.length);
        float[] same = ImageOps.augment(img, 1, 2, 3, 2, 3, Augmentation.none(), new java.util.SplittableRandom(1));
        assertArrayEquals(img, same);
    }

    @Test
    void normalizationAdaptsToTheData() {
        double[][] ms = Normalization.adapt(new ShapesDataset(16, 200, 1, "s"), 3, 200);
        for (int c = 0; c < 3; c++) {
            assertTrue(ms[0][c] > 0.1 && ms[0][c] < 0.9, "mean " + ms[0][c]);
            assertTrue(ms[1][c] > 0.05 && ms[1][c] < 0.5, "std " + ms[1][c]);
        }
    }
}
