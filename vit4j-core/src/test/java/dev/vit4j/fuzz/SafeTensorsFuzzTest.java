package dev.vit4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vit4j.Vit4jException;
import dev.vit4j.weights.SafeTensors;
import dev.vit4j.weights.TensorInfo;
import java.nio.file.Path;
import java.util.Map;

/**
 * Any byte string as a {@code .safetensors} file: it opens and every tensor reads, or the reader refuses it with
 * a {@link Vit4jException}; never another exception, an OutOfMemoryError or a hang. Without
 * {@code JAZZER_FUZZ=1} this runs the saved inputs under {@code SafeTensorsFuzzTestInputs/} as regression tests.
 */
public class SafeTensorsFuzzTest {
    private static final Path DIR = FuzzFiles.directory("safetensors");

    @FuzzTest(maxDuration = "10s")
    void openAndReadEveryTensor(byte[] data) {
        Path file = FuzzFiles.write(DIR.resolve("input.safetensors"), data);
        try (SafeTensors st = SafeTensors.open(file)) {
            for (Map.Entry<String, TensorInfo> e : st.tensors().entrySet()) {
                st.floats(e.getKey());
            }
        } catch (Vit4jException expected) {
            // refused with a clear message: what the CLI prints as its one line
        }
    }

    /** Entry point for standalone Jazzer ({@code tools/fuzz.sh}): longer campaigns than the JUnit run. */
    public static void fuzzerTestOneInput(byte[] data) {
        new SafeTensorsFuzzTest().openAndReadEveryTensor(data);
    }
}
