package dev.vit4j.weights;

import dev.vit4j.Vit4jException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Tensors already decoded into Java memory (from formats that cannot be read lazily, like a pickle). */
final class InMemoryTensors implements TensorSource {
    private final Path path;
    private final Map<String, FloatTensor> tensors;

    InMemoryTensors(Path path, Map<String, FloatTensor> tensors) {
        this.path = path;
        this.tensors = tensors;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    @Override
    public float[] floats(String name) {
        FloatTensor t = tensors.get(name);
        if (t == null) {
            throw new Vit4jException(path + " has no tensor '" + name + "'");
        }
        return t.data();
    }

    @Override
    public void close() {}
}
