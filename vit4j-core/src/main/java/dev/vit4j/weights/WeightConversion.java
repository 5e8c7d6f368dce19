package dev.vit4j.weights;

import dev.vit4j.models.ModelRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Any weights file vit4j reads, written as float32 safetensors with timm's names ({@code vit4j convert}). */
public final class WeightConversion {
    private WeightConversion() {}

    /** Returns the number of tensors written. Hugging Face ViT names are mapped to timm's as when loading. */
    public static int toSafeTensors(Path in, Path out) throws java.io.IOException {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        try (TensorSource src = WeightFiles.open(in)) {
            Map<String, long[]> shapes = src.shapes();
            Map<String, java.util.List<String>> names = ModelRegistry.checkpointNames(shapes.keySet());
            if (names == null) {
                shapes.forEach((name, shape) -> tensors.put(name, new FloatTensor(shape, src.floats(name))));
            } else {
                names.forEach((timm, parts) -> tensors.put(timm, WeightLoader.concat(src, shapes, parts)));
            }
        }
        SafeTensorsWriter.write(
                out,
                tensors,
                Map.of("format", "pt", "converted_from", in.getFileName().toString()));
        return tensors.size();
    }
}
