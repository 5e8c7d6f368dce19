package dev.vit4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vit4j.Vit4jException;
import dev.vit4j.weights.TensorSource;
import dev.vit4j.weights.WeightFiles;
import java.nio.file.Path;

/**
 * Any byte string as a weights file of a pickle-based or zip-based format ({@code .pth} zip or legacy, {@code .npz}):
 * every tensor reads, or the reader refuses with a {@link Vit4jException}; never another exception, an
 * OutOfMemoryError or a hang. The seeds are the real {@code .pth} fixtures, so mutations reach the unpickler.
 */
public class WeightFilesFuzzTest {
    private static final Path DIR = FuzzFiles.directory("weights");

    @FuzzTest(maxDuration = "10s")
    void openAndReadEveryTensor(byte[] data) {
        Path file = FuzzFiles.write(DIR.resolve("input.pth"), data);
        try (TensorSource src = WeightFiles.open(file)) {
            for (String name : src.shapes().keySet()) {
                src.floats(name);
            }
        } catch (Vit4jException expected) {
            // refused with a clear message
        }
    }

    public static void fuzzerTestOneInput(byte[] data) {
        new WeightFilesFuzzTest().openAndReadEveryTensor(data);
    }
}
