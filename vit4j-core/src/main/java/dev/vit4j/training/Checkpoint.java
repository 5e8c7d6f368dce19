package dev.vit4j.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vit4j.Vit4jException;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.io.Directories;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.VisionModel;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.weights.FloatTensor;
import dev.vit4j.weights.SafeTensors;
import dev.vit4j.weights.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checkpoint directory: {@code config.json} (the model, with its data config and class names),
 * {@code model.safetensors}, and for resumable ones {@code optimizer.safetensors} and
 * {@code trainer.json}. It is written complete under a temporary name and then renamed into place, so a
 * crash never leaves a half-written checkpoint where a reader looks.
 */
public final class Checkpoint {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {}

    public static void write(Path dir, ModelConfig config, VisionModel model, Optimizer optimizer, TrainerState state)
            throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve(dir.getFileName() + ".tmp");
        Path old = parent.resolve(dir.getFileName() + ".old");
        Directories.deleteTree(tmp);
        Files.createDirectories(tmp);
        try {
            AtomicFiles.writeString(tmp.resolve("config.json"), Configs.toJson(config));
            SafeTensorsWriter.write(
                    tmp.resolve("model.safetensors"),
                    WeightLoader.stateDict(model),
                    Map.of("format", "pt", "written_by", "vit4j"));
            if (optimizer != null) {
                SafeTensorsWriter.write(tmp.resolve("optimizer.safetensors"), optimizer.saveState(), null);
            }
            if (state != null) {
                AtomicFiles.writeString(tmp.resolve("trainer.json"), JSON.writeValueAsString(state));
            }
        } catch (IOException | RuntimeException e) {
            // a full disk, say: the previous checkpoint stays as it was, and nothing half-written stays beside it
            try {
                Directories.deleteTree(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        if (Files.exists(dir)) {
            Directories.deleteTree(old);
            Files.move(dir, old);
        } // else a crash came between the renames last time, and old/ is the only complete copy until the move below
        try {
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir);
        }
        Directories.deleteTree(old);
    }

    /** The directory to read: {@code dir}, or its previous version when a crash came between the two renames. */
    public static Path complete(Path dir) {
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return dir;
        }
        Path old = dir.toAbsolutePath().getParent().resolve(dir.getFileName() + ".old");
        return Files.isRegularFile(old.resolve("model.safetensors")) ? old : null;
    }

    public static TrainerState readState(Path dir) {
        try {
            return JSON.readValue(dir.resolve("trainer.json").toFile(), TrainerState.class);
        } catch (IOException e) {
            throw new Vit4jException("cannot read the trainer state in " + dir + ": " + e.getMessage());
        }
    }

    public static Map<String, FloatTensor> readOptimizer(Path dir) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        Path f = dir.resolve("optimizer.safetensors");
        if (!Files.isRegularFile(f)) {
            return out;
        }
        try (SafeTensors st = SafeTensors.open(f)) {
            st.tensors().forEach((k, v) -> out.put(k, new FloatTensor(v.shape(), st.floats(k))));
        }
        return out;
    }
}
