package dev.vit4j.data;

import dev.vit4j.Vit4jException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * MNIST-format IDX files (MNIST, Fashion-MNIST), gzipped or plain: {@code train-images-idx3-ubyte[.gz]}
 * with {@code train-labels-idx1-ubyte[.gz]}, and {@code t10k-…} for the test split. Headers are checked
 * (magic number, dimensions, counts that agree, labels within the classes) before anything is trusted.
 */
public final class IdxDataset implements Dataset {
    static final List<String> FASHION_CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    /** Far above any real IDX set; refuses headers that would allocate absurd amounts. */
    /** The largest Java array: more pixels than that cannot be held (a fuzzed header at 2³¹ overflowed an int). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private final String name;
    private final int count;
    private final int height;
    private final int width;
    private final byte[] images;
    private final byte[] labels;
    private final List<String> classes;

    private IdxDataset(
            String name, int count, int height, int width, byte[] images, byte[] labels, List<String> classes) {
        this.name = name;
        this.count = count;
        this.height = height;
        this.width = width;
        this.images = images;
        this.labels = labels;
        this.classes = classes;
    }

    /** {@code split}: "train" or "t10k". */
    public static IdxDataset open(String name, Path dir, String split, List<String> classes) {
        Path imagesFile = find(dir, split + "-images-idx3-ubyte");
        Path labelsFile = find(dir, split + "-labels-idx1-ubyte");
        try (DataInputStream in = open(imagesFile)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new Vit4jException(
                        imagesFile + " is not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            int h = in.readInt();
            int w = in.readInt();
            // Stepwise, so that the product cannot wrap around even in a long (a fuzzed header did).
            if (n < 0 || h <= 0 || w <= 0 || (long) h * w > MAX_BYTES || (long) h * w * n > MAX_BYTES) {
                throw new Vit4jException(imagesFile + " has an impossible header: " + n + " images of " + h + "×" + w);
            }
            // Read what is there rather than allocating what the header claims: a 16-byte file claiming 2 GB
            // is refused as truncated, not answered with an OutOfMemoryError.
            byte[] images = in.readNBytes(n * h * w);
            if (images.length != n * h * w) {
                throw new EOFException();
            }
            byte[] labels = readLabels(labelsFile, n, classes.size());
            return new IdxDataset(
                    name + " " + (split.equals("train") ? "train" : "test"), n, h, w, images, labels, classes);
        } catch (EOFException e) {
            throw new Vit4jException(imagesFile + " is truncated");
        } catch (IOException e) {
            throw new Vit4jException("cannot read " + imagesFile + ": " + e.getMessage());
        }
    }

    private static byte[] readLabels(Path file, int expected, int classes) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new Vit4jException(file + " is not an IDX label file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            if (n != expected) {
                throw new Vit4jException(file + " holds " + n + " labels for " + expected + " images");
            }
            byte[] labels = in.readNBytes(n);
            if (labels.length != n) {
                throw new EOFException();
            }
            for (int i = 0; i < n; i++) {
                if ((labels[i] & 0xff) >= classes) {
                    throw new Vit4jException(file + ": label " + (labels[i] & 0xff) + " at " + i + " is not one of "
                            + classes + " classes");
                }
            }
            return labels;
        } catch (EOFException e) {
            throw new Vit4jException(file + " is truncated");
        }
    }

    private static Path find(Path dir, String base) {
        for (String candidate : new String[] {base + ".gz", base, base.replace("-idx", ".idx")}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new Vit4jException("no " + base + "[.gz] in " + dir);
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(in);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Example get(int index) {
        int n = height * width;
        byte[] px = new byte[n];
        System.arraycopy(images, index * n, px, 0, n);
        return new Example(1, height, width, px, labels[index] & 0xff, null);
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int channels() {
        return 1;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public String describe() {
        return name + " (" + count + " images)";
    }
}
