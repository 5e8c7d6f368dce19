package dev.vit4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The class lists vit4j ships (ImageNet-1k and -21k, in class-index order), and the form a class list is read in. */
public final class ClassNames {
    private ClassNames() {}

    /** ImageNet-1k's 1 000 class names. */
    public static List<String> imagenet() {
        return shipped("imagenet-1k-classes.tsv");
    }

    /** Google's ImageNet-21k (21 843 classes, timm's {@code *_in21k} weights), names from timm's synset lemmas. */
    public static List<String> imagenet21k() {
        return shipped("imagenet-21k-goog-classes.tsv.gz");
    }

    private static List<String> shipped(String resource) {
        try (InputStream raw = ClassNames.class.getResourceAsStream(resource);
                InputStream in = resource.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .lines()
                    .toList());
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("class list " + resource + " missing from the jar", e);
        }
    }

    /** One name per line, or a TSV with a header whose last column is the label (like the ImageNet list). */
    public static List<String> parse(List<String> lines) {
        List<String> out = new ArrayList<>();
        boolean tsv = !lines.isEmpty() && lines.get(0).contains("\t");
        for (int i = tsv ? 1 : 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            out.add(tsv ? line.substring(line.lastIndexOf('\t') + 1) : line.strip());
        }
        return List.copyOf(out);
    }
}
