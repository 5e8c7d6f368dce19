package dev.vit4j.data;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which model output each class folder stands for. By default the folders sorted by name, as torchvision's
 * ImageFolder and timm's {@code validate.py} number them; but when the folder names are exactly the model's own labels
 * (in whatever order they sort), by label: a labelled model on folders named after its labels scored ~17 % when its
 * label order was not alphabetical.
 *
 * @param classes        class names in output order
 * @param byModelLabels  whether the model's labels decided the order
 */
public record ClassOrder(List<String> classes, boolean byModelLabels) {

    /** @param folders the class folders' names, sorted; {@code modelLabels} the model's labels in output order */
    public static ClassOrder of(List<String> folders, List<String> modelLabels) {
        Set<String> labels = new HashSet<>(modelLabels);
        boolean same = labels.size() == modelLabels.size()
                && labels.equals(new HashSet<>(folders))
                && folders.size() == modelLabels.size();
        return same && !folders.equals(modelLabels)
                ? new ClassOrder(List.copyOf(modelLabels), true)
                : new ClassOrder(List.copyOf(folders), false);
    }

    /** One line for the user: which rule mapped the folders. */
    public String describe() {
        return byModelLabels
                ? "class folders mapped to the model's outputs by label (the folder names are its labels)"
                : "class folders mapped to the model's outputs in sorted name order (torchvision's ImageFolder rule)";
    }

    /** {@code d}, a folder dataset labelled in sorted folder order, relabelled in this order. */
    public Dataset relabel(Dataset d) {
        if (!byModelLabels) {
            return d;
        }
        int[] to = new int[d.classes().size()];
        for (int i = 0; i < to.length; i++) {
            to[i] = classes.indexOf(d.classes().get(i));
        }
        return new Dataset() {
            @Override
            public int size() {
                return d.size();
            }

            @Override
            public Example get(int index) {
                Example e = d.get(index);
                return new Example(e.channels(), e.height(), e.width(), e.pixels(), to[e.label()], e.box());
            }

            @Override
            public List<String> classes() {
                return classes;
            }

            @Override
            public int channels() {
                return d.channels();
            }

            @Override
            public int height() {
                return d.height();
            }

            @Override
            public int width() {
                return d.width();
            }

            @Override
            public String describe() {
                return d.describe();
            }
        };
    }
}
