package dev.vit4j.models;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.Vit4jException;
import dev.vit4j.image.ResampleFilter;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.nn.Parameter;
import dev.vit4j.weights.FloatTensor;
import dev.vit4j.weights.TensorSource;
import dev.vit4j.weights.WeightFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads a state dict (any format {@link WeightFiles} reads) into a model, strictly: every missing, unexpected and
 * mis-shaped key is named in one error. timm names load as they are; another library's layout (transformers', OpenAI's, open_clip's)
 * is converted by the model's family ({@link dev.vit4j.models.ModelFamily#checkpoint}). A position
 * table for another grid is resampled (bicubic, antialiased, as timm's {@code resample_abs_pos_embed}).
 */
public final class WeightLoader {
    private WeightLoader() {}

    public static void load(VisionModel model, Path file, NDManager manager) {
        load(model, file, manager, false);
    }

    /**
     * With {@code newHead}, fine-tuning's start (timm's {@code reset_classifier}): the file's classifier is left out
     * when its shape differs from the model's (another number of classes) and the model keeps its fresh head.
     */
    public static void load(VisionModel model, Path file, NDManager manager, boolean newHead) {
        // Every parameter's values are gathered in the heap before any is set (a file that does not fit changes
        // nothing), beside what the file's reader holds.
        try (MemoryBudget.Reservation gathered = MemoryBudget.heap()
                        .reserve(model.parameterCount() * Float.BYTES, "the weights of " + model.config().name);
                TensorSource st = model.config().family().checkpoint(WeightFiles.open(file))) {
            Map<String, long[]> shapes = new LinkedHashMap<>(st.shapes());
            Map<String, Parameter> params = new LinkedHashMap<>(model.namedParameters());
            if (newHead) {
                for (String head : List.of("head.weight", "head.bias", "head_dist.weight", "head_dist.bias")) {
                    boolean fits = shapes.containsKey(head)
                            && params.containsKey(head)
                            && Arrays.equals(
                                    shapes.get(head), params.get(head).shape().getShape());
                    if (!fits) {
                        shapes.remove(head);
                        params.remove(head);
                    }
                }
            }
            loadInto(
                    params,
                    st,
                    shapes,
                    file,
                    model.config().name,
                    manager,
                    (name, shape, want) -> name.equals("pos_embed") && canResample(shape, want, model)
                            ? resamplePositions(st.floats(name), shape, want, model)
                            : null);
        }
    }

    /**
     * A two-tower model's text tower from the same file as its image tower: the file's text tensors, named as the text
     * family reads them, strictly (an image-only file is named as one).
     */
    public static void loadText(TextModel model, Path file, NDManager manager, String modelName) {
        try (MemoryBudget.Reservation gathered = MemoryBudget.heap()
                        .reserve(model.parameterCount() * Float.BYTES, "the text tower of " + modelName);
                TensorSource opened = WeightFiles.open(file)) {
            TensorSource st = ModelRegistry.textFamily().checkpoint(opened);
            if (st == null) {
                throw new Vit4jException("weights " + file + " hold no text tower (no token_embedding): " + modelName
                        + " embeds text, so its weights need both towers");
            }
            loadInto(
                    new LinkedHashMap<>(model.namedParameters()),
                    st,
                    st.shapes(),
                    file,
                    modelName + "'s text tower",
                    manager,
                    (name, shape, want) -> null);
        }
    }

    /** Values for a tensor of another shape than the model's (a position table resampled), or null when it cannot be. */
    private interface Adapter {
        float[] adapt(String name, long[] fileShape, long[] modelShape);
    }

    private static void loadInto(
            Map<String, Parameter> params,
            TensorSource st,
            Map<String, long[]> shapes,
            Path file,
            String modelName,
            NDManager manager,
            Adapter adapter) {
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        TreeSet<String> unexpected = new TreeSet<>(shapes.keySet());
        unexpected.removeAll(params.keySet());
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            long[] shape = shapes.get(name);
            if (shape == null) {
                missing.add(name);
                continue;
            }
            long[] want = e.getValue().shape().getShape();
            float[] adapted = Arrays.equals(shape, want) ? null : adapter.adapt(name, shape, want);
            if (Arrays.equals(shape, want)) {
                values.put(name, st.floats(name));
            } else if (adapted != null) {
                values.put(name, adapted);
            } else {
                misShaped.add(name + " (file " + Arrays.toString(shape) + ", model " + Arrays.toString(want) + ")");
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misShaped.isEmpty()) {
            StringBuilder sb = new StringBuilder("weights " + file + " do not fit " + modelName + ":");
            if (!missing.isEmpty()) {
                sb.append(" missing ").append(summarize(missing)).append(';');
            }
            if (!unexpected.isEmpty()) {
                sb.append(" unexpected ")
                        .append(summarize(new ArrayList<>(unexpected)))
                        .append(';');
            }
            if (!misShaped.isEmpty()) {
                sb.append(" mis-shaped ").append(summarize(misShaped)).append(';');
            }
            sb.setLength(sb.length() - 1);
            throw new Vit4jException(sb.toString());
        }
        refuseNonFinite(file, values);
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            Parameter p = params.get(e.getKey());
            p.set(manager.create(e.getValue(), p.shape()));
        }
    }

    /**
     * NaN or infinite weights (a diverged run's checkpoint, a corrupt conversion) would turn every output into
     * NaN "probabilities": refused instead, naming the tensors.
     */
    private static void refuseNonFinite(Path file, Map<String, float[]> values) {
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            int nan = 0;
            int inf = 0;
            for (float v : e.getValue()) {
                if (Float.isNaN(v)) {
                    nan++;
                } else if (Float.isInfinite(v)) {
                    inf++;
                }
            }
            if (nan + inf > 0) {
                bad.add(e.getKey() + " (" + (nan > 0 ? nan + " NaN" : "") + (nan > 0 && inf > 0 ? ", " : "")
                        + (inf > 0 ? inf + " infinite" : "") + ")");
            }
        }
        if (!bad.isEmpty()) {
            throw new Vit4jException("weights " + file + " hold values that are not finite: " + summarize(bad));
        }
    }

    private static String summarize(List<String> names) {
        int shown = Math.min(names.size(), 12);
        String list = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? list + ", … (" + names.size() + " in all)" : list;
    }

    private static boolean canResample(long[] file, long[] model, VisionModel m) {
        if (file.length != 3 || model.length != 3 || file[0] != 1 || file[2] != model[2]) {
            return false;
        }
        long patches = file[1] - m.config().positionPrefixTokens();
        long side = Math.round(Math.sqrt(patches));
        return patches > 0 && side * side == patches;
    }

    /** The old grid is square (as timm assumes); prefix tokens are kept, the grid is resampled. */
    private static float[] resamplePositions(float[] table, long[] file, long[] model, VisionModel m) {
        int prefix = m.config().positionPrefixTokens();
        int dim = (int) file[2];
        int oldSide = (int) Math.round(Math.sqrt(file[1] - prefix));
        int newH = m.config().gridHeight();
        int newW = m.config().gridWidth();
        float[] grid = new float[dim * oldSide * oldSide];
        for (int t = 0; t < oldSide * oldSide; t++) {
            for (int d = 0; d < dim; d++) {
                grid[d * oldSide * oldSide + t] = table[(prefix + t) * dim + d];
            }
        }
        float[] resized = ResampleFilter.resample(grid, dim, oldSide, oldSide, newH, newW);
        float[] out = new float[(int) (model[1] * dim)];
        System.arraycopy(table, 0, out, 0, prefix * dim);
        for (int t = 0; t < newH * newW; t++) {
            for (int d = 0; d < dim; d++) {
                out[(prefix + t) * dim + d] = resized[d * newH * newW + t];
            }
        }
        return out;
    }

    /** The model's parameters as safetensors tensors, timm names. */
    public static Map<String, FloatTensor> stateDict(VisionModel model) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Shape s = e.getValue().shape();
            out.put(
                    e.getKey(),
                    new FloatTensor(s.getShape(), e.getValue().array().toFloatArray()));
        }
        return out;
    }
}
