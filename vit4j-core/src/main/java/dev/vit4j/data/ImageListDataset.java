package dev.vit4j.data;

import dev.vit4j.image.ImageDecoder;
import dev.vit4j.image.RgbImage;
import java.nio.file.Path;
import java.util.List;

/**
 * Image files with labels, decoded on demand into RGB: what image folders and ImageNet-style validation
 * lists become. Sizes vary; the training or evaluation transform brings them to the model's size.
 */
public final class ImageListDataset implements Dataset {
    private final String name;
    private final List<Path> files;
    private final int[] labels;
    private final List<String> classes;

    public ImageListDataset(String name, List<Path> files, int[] labels, List<String> classes) {
        this.name = name;
        this.files = files;
        this.labels = labels;
        this.classes = classes;
    }

    public Path file(int index) {
        return files.get(index);
    }

    @Override
    public int size() {
        return files.size();
    }

    /** Decodes the file; a bad file throws {@link dev.vit4j.Vit4jException}, which loaders report and skip. */
    @Override
    public Example get(int index) {
        RgbImage img = ImageDecoder.read(files.get(index));
        int plane = img.width() * img.height();
        byte[] px = new byte[3 * plane];
        byte[] rgb = img.pixels();
        for (int i = 0; i < plane; i++) {
            px[i] = rgb[3 * i];
            px[plane + i] = rgb[3 * i + 1];
            px[2 * plane + i] = rgb[3 * i + 2];
        }
        return new Example(3, img.height(), img.width(), px, labels[index], null);
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
        return 0;
    }

    @Override
    public int width() {
        return 0;
    }

    @Override
    public String describe() {
        return name + " (" + files.size() + " images)";
    }
}
