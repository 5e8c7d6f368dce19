package dev.vit4j.weights;

import dev.vit4j.Vit4jException;
import dev.vit4j.memory.MemoryBudget;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tensors already decoded into Java memory (from formats that cannot be read lazily, like a pickle), holding the
 * {@link MemoryBudget} reservation their reader made before decoding them until they are closed.
 */
final class InMemoryTensors implements TensorSource {
    private final Path path;
    private final Map<String, FloatTensor> tensors;
    private final MemoryBudget.Reservation memory;

    InMemoryTensors(Path path, Map<String, FloatTensor> tensors, MemoryBudget.Reservation memory) {
        this.path = path;
        this.tensors = tensors;
        this.memory = memory;
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
    public void close() {
        memory.close();
    }
}
