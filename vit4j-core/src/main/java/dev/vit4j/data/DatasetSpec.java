package dev.vit4j.data;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Dataset specs accepted wherever data is read: {@code fashion-mnist[:DIR]}, {@code mnist:DIR},
 * {@code cifar10:DIR}, {@code cifar100:DIR}, {@code folder:DIR} (one sub-folder per class, optional
 * {@code train/} and {@code val/}), {@code imagenet-val:DIR:LIST} (lines {@code relative/path label}),
 * {@code shapes[:SIZE[:COUNT]]} (built in, synthetic).
 */
public final class DatasetSpec {
    public static final Path DEFAULT_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    private static final List<String> IMAGE_EXTENSIONS =
            List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff");

    /** Which part of a dataset. */
    public enum Split {
        TRAIN,
        TEST
    }

    private DatasetSpec() {}

    /** The requested split; {@code null} where the dataset has none (a folder without {@code val/}). */
    public static Dataset open(String spec, Split split) {
        String[] parts = spec.split(":", -1);
        String kind = parts[0].toLowerCase(Locale.ROOT);
        boolean train = split == Split.TRAIN;
        return switch (kind) {
            case "fashion-mnist" -> IdxDataset.open(
                    "fashion-mnist",
                    parts.length > 1 ? dir(parts[1], spec) : existing(DEFAULT_FASHION_MNIST, spec),
                    train ? "train" : "t10k",
                    IdxDataset.FASHION_CLASSES);
            case "mnist" -> IdxDataset.open(
                    "mnist", dir(arg(parts, 1, spec), spec), train ? "train" : "t10k", IdxDataset.DIGITS);
            case "cifar10" -> CifarDataset.open(dir(arg(parts, 1, spec), spec), false, train);
            case "cifar100" -> CifarDataset.open(dir(arg(parts, 1, spec), spec), true, train);
            case "folder" -> folder(dir(arg(parts, 1, spec), spec), train);
            case "imagenet-val" -> {
                if (parts.length != 3) {
                    throw new Vit4jException("imagenet-val needs DIR and LIST: imagenet-val:DIR:LIST");
                }
                yield imagenetVal(dir(parts[1], spec), Path.of(parts[2]));
            }
            case "shapes" -> {
                int size = parts.length > 1 && !parts[1].isEmpty() ? integer(parts[1], spec) : 32;
                int count = parts.length > 2 ? integer(parts[2], spec) : train ? 12000 : 2000;
                if (size < 8 || size > 1024 || count < 1) {
                    throw new Vit4jException("shapes: size must be 8..1024 and count positive in " + spec);
                }
                yield new ShapesDataset(size, count, train ? 1 : 2, "shapes " + (train ? "train" : "test"));
            }
            default -> throw new Vit4jException("unknown dataset '" + spec + "' (fashion-mnist[:DIR], mnist:DIR, "
                    + "cifar10:DIR, cifar100:DIR, folder:DIR, imagenet-val:DIR:LIST, shapes[:SIZE[:COUNT]])");
        };
    }

    private static String arg(String[] parts, int i, String spec) {
        if (parts.length <= i || parts[i].isEmpty()) {
            throw new Vit4jException("dataset spec '" + spec + "' needs a directory, e.g. " + parts[0] + ":DIR");
        }
        return parts[i];
    }

    private static int integer(String s, String spec) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new Vit4jException("not a number in dataset spec '" + spec + "': " + s);
        }
    }

    private static Path dir(String s, String spec) {
        return existing(Path.of(s), spec);
    }

    private static Path existing(Path p, String spec) {
        if (!Files.isDirectory(p)) {
            throw new Vit4jException("dataset directory not found: " + p + " (from '" + spec + "')");
        }
        return p;
    }

    private static Dataset folder(Path root, boolean train) {
        Path trainDir = root.resolve("train");
        Path valDir = root.resolve("val");
        boolean splitDirs = Files.isDirectory(trainDir);
        Path dir = splitDirs ? (train ? trainDir : valDir) : root;
        if (!train && (!splitDirs || !Files.isDirectory(valDir))) {
            return null;
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (Stream<Path> subdirs = Files.list(dir)) {
            subdirs.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .forEach(classes::add);
        } catch (IOException e) {
            throw new Vit4jException("cannot list " + dir + ": " + e.getMessage());
        }
        if (classes.isEmpty()) {
            throw new Vit4jException(dir + " has no class sub-folders");
        }
        List<String> empty = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            try (Stream<Path> walk = Files.walk(dir.resolve(classes.get(c)))) {
                List<Path> imgs = walk.filter(Files::isRegularFile)
                        .filter(DatasetSpec::looksLikeImage)
                        .sorted()
                        .toList();
                if (imgs.isEmpty()) {
                    empty.add(classes.get(c));
                }
                files.addAll(imgs);
                for (int i = 0; i < imgs.size(); i++) {
                    labels.add(c);
                }
            } catch (IOException e) {
                throw new Vit4jException("cannot list " + dir.resolve(classes.get(c)) + ": " + e.getMessage());
            }
        }
        if (files.isEmpty()) {
            throw new Vit4jException(dir + " holds no images");
        }
        if (!empty.isEmpty()) {
            // As torchvision's ImageFolder: a class without images would be an output the model can never learn.
            throw new Vit4jException(dir + ": no images for the class" + (empty.size() > 1 ? "es " : " ")
                    + String.join(", ", empty) + " (remove the empty folder" + (empty.size() > 1 ? "s" : "")
                    + " or add images)");
        }
        return new ImageListDataset(
                "folder " + dir,
                files,
                labels.stream().mapToInt(Integer::intValue).toArray(),
                classes);
    }

    /** By extension, as the folder datasets choose their files. */
    /** The data a training run learns from and validates on (no validation: {@code validation} is null). */
    public record TrainingData(Dataset train, Dataset validation) {}

    /**
     * What training reads from {@code data}: its train split (the first {@code limit} examples, 0: all) and, for
     * validation, a seeded {@code valSplit} share of it held out when that is above 0; else {@code val}'s test split
     * (a spec without splits, such as a folder of class folders, validates as a whole), else {@code data}'s own test
     * split, else none.
     */
    public static TrainingData forTraining(String data, String val, double valSplit, long seed, int limit) {
        Dataset train = Subset.limit(open(data, Split.TRAIN), limit);
        if (valSplit > 0) {
            Subset[] parts = Subset.split(train, valSplit, seed);
            return new TrainingData(parts[0], parts[1]);
        }
        Dataset validation = open(val != null ? val : data, Split.TEST);
        if (validation == null && val != null) {
            validation = open(val, Split.TRAIN);
        }
        return new TrainingData(train, validation);
    }

    public static boolean looksLikeImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    private static Dataset imagenetVal(Path dir, Path list) {
        if (!Files.isRegularFile(list)) {
            throw new Vit4jException("validation list not found: " + list);
        }
        ImageNetValList entries;
        try {
            entries = ImageNetValList.parse(Files.readAllLines(list, StandardCharsets.UTF_8), list.toString());
        } catch (IOException e) {
            throw new Vit4jException("cannot read " + list + ": " + e.getMessage());
        }
        List<Path> files = entries.paths().stream().map(dir::resolve).toList();
        return new ImageListDataset(
                "imagenet-val " + list.getFileName(), files, entries.labels(), ImageNetValList.classes());
    }
}
