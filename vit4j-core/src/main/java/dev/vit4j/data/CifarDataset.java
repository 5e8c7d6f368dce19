package dev.vit4j.data;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CIFAR-10 and CIFAR-100 binary versions: records of a label byte (CIFAR-100: coarse then fine) and
 * 3×32×32 planar pixels. CIFAR-10 reads {@code data_batch_1..5.bin} / {@code test_batch.bin}, CIFAR-100
 * {@code train.bin} / {@code test.bin} with the fine labels. Class names come from
 * {@code batches.meta.txt} / {@code fine_label_names.txt} when present.
 */
public final class CifarDataset implements Dataset {
    private static final int PIXELS = 3 * 32 * 32;

    private final String name;
    private final byte[] pixels;
    private final int[] labels;
    private final List<String> classes;

    private CifarDataset(String name, byte[] pixels, int[] labels, List<String> classes) {
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.classes = classes;
    }

    public static CifarDataset open(Path dir, boolean cifar100, boolean train) {
        List<Path> files = new ArrayList<>();
        if (cifar100) {
            files.add(dir.resolve(train ? "train.bin" : "test.bin"));
        } else if (train) {
            for (int i = 1; i <= 5; i++) {
                files.add(dir.resolve("data_batch_" + i + ".bin"));
            }
        } else {
            files.add(dir.resolve("test_batch.bin"));
        }
        int labelBytes = cifar100 ? 2 : 1;
        int record = labelBytes + PIXELS;
        int classCount = cifar100 ? 100 : 10;
        List<byte[]> chunks = new ArrayList<>();
        long total = 0;
        for (Path f : files) {
            try {
                if (!Files.isRegularFile(f)) {
                    throw new Vit4jException(
                            "no " + f.getFileName() + " in " + dir + " (CIFAR binary version expected)");
                }
                long size = Files.size(f);
                if (size % record != 0 || size > IdxDataset.MAX_BYTES) {
                    throw new Vit4jException(f + " is not a CIFAR-" + classCount + " binary file (" + size
                            + " bytes is not a whole number of " + record + "-byte records)");
                }
                byte[] b = Files.readAllBytes(f);
                chunks.add(b);
                total += b.length / record;
            } catch (IOException e) {
                throw new Vit4jException("cannot read " + f + ": " + e.getMessage());
            }
        }
        byte[] pixels = new byte[(int) total * PIXELS];
        int[] labels = new int[(int) total];
        int at = 0;
        for (byte[] b : chunks) {
            for (int r = 0; r < b.length / record; r++, at++) {
                int label = b[r * record + labelBytes - 1] & 0xff;
                if (label >= classCount) {
                    throw new Vit4jException(
                            "label " + label + " in " + dir + " is not one of " + classCount + " classes");
                }
                labels[at] = label;
                System.arraycopy(b, r * record + labelBytes, pixels, at * PIXELS, PIXELS);
            }
        }
        List<String> names = classNames(dir, cifar100 ? "fine_label_names.txt" : "batches.meta.txt", classCount);
        return new CifarDataset(
                (cifar100 ? "cifar100 " : "cifar10 ") + (train ? "train" : "test"), pixels, labels, names);
    }

    private static List<String> classNames(Path dir, String file, int count) {
        Path p = dir.resolve(file);
        try {
            if (Files.isRegularFile(p)) {
                List<String> names = Files.readAllLines(p).stream()
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
                if (names.size() == count) {
                    return names;
                }
            }
        } catch (IOException ignored) {
            // fall back to indices
        }
        List<String> idx = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            idx.add(Integer.toString(i));
        }
        return idx;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public Example get(int index) {
        byte[] px = new byte[PIXELS];
        System.arraycopy(pixels, index * PIXELS, px, 0, PIXELS);
        return new Example(3, 32, 32, px, labels[index], null);
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public int height() {
        return 32;
    }

    @Override
    public int width() {
        return 32;
    }

    @Override
    public String describe() {
        return name + " (" + labels.length + " images)";
    }
}
