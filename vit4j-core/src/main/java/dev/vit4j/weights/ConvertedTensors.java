package dev.vit4j.weights;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint written by another library, seen under timm's names (what timm's {@code checkpoint_filter_fn} does when
 * it loads one): each timm tensor is made from the file's tensors by a {@link Recipe}, read only when asked for.
 * Tensors the recipes do not use (another tower, an optimizer's state) are not seen.
 */
public final class ConvertedTensors implements TensorSource {
    /** How one timm tensor is made from the file's. */
    public interface Recipe {
        long[] shape(Map<String, long[]> file);

        float[] values(TensorSource file);

        /** The file's tensor as it is. */
        static Recipe copy(String name) {
            return reshaped(name, null);
        }

        /** The file's tensor with another shape of as many values ({@code null}: its own), e.g. D → 1 × 1 × D. */
        static Recipe reshaped(String name, long[] shape) {
            return new Recipe() {
                @Override
                public long[] shape(Map<String, long[]> file) {
                    return shape != null ? shape.clone() : file.get(name).clone();
                }

                @Override
                public float[] values(TensorSource file) {
                    return file.floats(name);
                }
            };
        }

        /** The file's tensors stacked along the first axis (transformers' query, key, value → timm's qkv). */
        static Recipe concat(List<String> names) {
            return new Recipe() {
                @Override
                public long[] shape(Map<String, long[]> file) {
                    long[] first = file.get(names.get(0)).clone();
                    for (String n : names.subList(1, names.size())) {
                        first[0] += file.get(n)[0];
                    }
                    return first;
                }

                @Override
                public float[] values(TensorSource file) {
                    float[][] parts = names.stream().map(file::floats).toArray(float[][]::new);
                    float[] out = new float
                            [Arrays.stream(parts).mapToInt(p -> p.length).sum()];
                    int at = 0;
                    for (float[] p : parts) {
                        System.arraycopy(p, 0, out, at, p.length);
                        at += p.length;
                    }
                    return out;
                }
            };
        }

        /**
         * Rows {@code from} to {@code from + count} of the file's tensor along its first axis (transformers' SigLIP
         * pooling head packs query, key and value in one {@code in_proj}; timm's splits the query from key and value).
         */
        static Recipe rows(String name, long from, long count) {
            return new Recipe() {
                @Override
                public long[] shape(Map<String, long[]> file) {
                    long[] s = file.get(name).clone();
                    if (from < 0 || count < 0 || from + count > s[0]) {
                        throw new dev.vit4j.Vit4jException(name + " has " + s[0] + " rows, not " + (from + count));
                    }
                    s[0] = count;
                    return s;
                }

                @Override
                public float[] values(TensorSource file) {
                    long[] s = file.shapes().get(name);
                    long row = 1;
                    for (int i = 1; i < s.length; i++) {
                        row *= s[i];
                    }
                    float[] all = file.floats(name);
                    return Arrays.copyOfRange(all, (int) (from * row), (int) ((from + count) * row));
                }
            };
        }

        /** A 2-d tensor transposed (OpenAI CLIP's projection, applied as x·P, is timm's head weight Pᵀ). */
        static Recipe transposed(String name) {
            return new Recipe() {
                @Override
                public long[] shape(Map<String, long[]> file) {
                    long[] s = file.get(name);
                    return new long[] {s[1], s[0]};
                }

                @Override
                public float[] values(TensorSource file) {
                    long[] s = file.shapes().get(name);
                    int rows = (int) s[0];
                    int cols = (int) s[1];
                    float[] in = file.floats(name);
                    float[] out = new float[in.length];
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < cols; c++) {
                            out[c * rows + r] = in[r * cols + c];
                        }
                    }
                    return out;
                }
            };
        }

        /** Zeros as long as the first axis of {@code weight} (a bias the other library does not have). */
        static Recipe zerosFor(Recipe weight) {
            return new Recipe() {
                @Override
                public long[] shape(Map<String, long[]> file) {
                    return new long[] {weight.shape(file)[0]};
                }

                @Override
                public float[] values(TensorSource file) {
                    return new float[(int) shape(file.shapes())[0]];
                }
            };
        }
    }

    private final TensorSource file;
    private final Map<String, Recipe> recipes;
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    /** {@code recipes}: timm name → recipe, in the order the tensors are listed. */
    public ConvertedTensors(TensorSource file, Map<String, Recipe> recipes) {
        this.file = file;
        this.recipes = Map.copyOf(recipes);
        Map<String, long[]> fileShapes = file.shapes();
        recipes.forEach((name, recipe) -> shapes.put(name, recipe.shape(fileShapes)));
    }

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        shapes.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    @Override
    public float[] floats(String name) {
        Recipe r = recipes.get(name);
        if (r == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return r.values(file);
    }

    @Override
    public void close() {
        file.close();
    }
}
