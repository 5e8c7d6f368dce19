package dev.vit4j.models;

import dev.vit4j.weights.FloatTensor;
import dev.vit4j.weights.SafeTensorsWriter;
import dev.vit4j.weights.TensorSource;
import dev.vit4j.weights.WeightFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Any weights file vit4j reads, written as float32 safetensors with timm's names ({@code vit4j convert}). */
public final class WeightConversion {
    private WeightConversion() {}

    /** Returns the number of tensors written. Another library's layout is converted to timm's as when loading. */
    public static int toSafeTensors(Path in, Path out) throws java.io.IOException {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        try (TensorSource src = ModelRegistry.checkpoint(WeightFiles.open(in))) {
            src.shapes().forEach((name, shape) -> tensors.put(name, new FloatTensor(shape, src.floats(name))));
        }
        SafeTensorsWriter.write(
                out,
                tensors,
                Map.of("format", "pt", "converted_from", in.getFileName().toString()));
        return tensors.size();
    }
}
