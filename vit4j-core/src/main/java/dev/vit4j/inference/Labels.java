package dev.vit4j.inference;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.ClassNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Class names by index: ImageNet-1k (shipped), a user's file, or the indices themselves. */
public final class Labels {
    private final List<String> names;

    private Labels(List<String> names) {
        this.names = names;
    }

    public static Labels imagenet() {
        return new Labels(ClassNames.imagenet());
    }

    /** Google's ImageNet-21k (21 843 classes, timm's {@code *_in21k} weights), names from timm's synset lemmas. */
    public static Labels imagenet21k() {
        return new Labels(ClassNames.imagenet21k());
    }

    /** One name per line, or a TSV with a header whose last column is the label (like the ImageNet list). */
    public static Labels read(Path file) {
        try {
            return new Labels(ClassNames.parse(Files.readAllLines(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new Vit4jException("cannot read labels file " + file + ": " + e.getMessage());
        }
    }

    public static Labels of(List<String> names) {
        return new Labels(List.copyOf(names));
    }

    /** ImageNet names for 1000 classes, ImageNet-21k names for 21 843, else the class index as its name. */
    public static Labels forClasses(int classes, List<String> configured) {
        if (configured != null && configured.size() == classes) {
            return of(configured);
        }
        if (classes == 1000) {
            return imagenet();
        }
        if (classes == 21843) {
            return imagenet21k();
        }
        List<String> idx = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            idx.add(Integer.toString(i));
        }
        return new Labels(idx);
    }

    public int size() {
        return names.size();
    }

    public String name(int index) {
        return index < names.size() ? names.get(index) : Integer.toString(index);
    }
}
