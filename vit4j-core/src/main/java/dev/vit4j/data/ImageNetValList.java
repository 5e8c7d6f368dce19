package dev.vit4j.data;

import dev.vit4j.Vit4jException;
import java.util.ArrayList;
import java.util.List;

/**
 * An ImageNet-style validation list: one {@code relative/path label} line per image, the label an ImageNet-1k class
 * index. Read the same way by {@code vit4j eval --data imagenet-val:DIR:LIST} and by the Spark eval job.
 */
public record ImageNetValList(List<String> paths, int[] labels) {
    public static final int CLASSES = 1000;

    /** The list's lines; {@code name} says where they come from in errors ({@code name:line: ...}). */
    public static ImageNetValList parse(List<String> lines, String name) {
        List<String> paths = new ArrayList<>();
        int[] labels = new int[lines.size()];
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.strip().split("\\s+");
            if (f.length != 2) {
                throw new Vit4jException(name + ":" + lineNo + ": expected 'relative/path label'");
            }
            int label;
            try {
                label = Integer.parseInt(f[1]);
            } catch (NumberFormatException e) {
                throw new Vit4jException(name + ":" + lineNo + ": label '" + f[1] + "' is not a number");
            }
            if (label < 0 || label >= CLASSES) {
                throw new Vit4jException(name + ":" + lineNo + ": label " + label + " is not an ImageNet-1k class");
            }
            labels[paths.size()] = label;
            paths.add(f[0]);
        }
        return new ImageNetValList(List.copyOf(paths), java.util.Arrays.copyOf(labels, paths.size()));
    }

    /** ImageNet-1k's class names, in label order. */
    public static List<String> classes() {
        return ClassNames.imagenet().subList(0, CLASSES);
    }
}
