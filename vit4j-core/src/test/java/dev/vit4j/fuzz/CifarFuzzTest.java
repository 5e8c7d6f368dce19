package dev.vit4j.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vit4j.Vit4jException;
import dev.vit4j.data.CifarDataset;
import java.nio.file.Path;

/** CIFAR-10/100 binary files (and their class-name lists) from fuzzed bytes: every example reads, or refused. */
public class CifarFuzzTest {
    private static final Path DIR = FuzzFiles.directory("cifar");

    @FuzzTest(maxDuration = "10s")
    void cifar(FuzzedDataProvider in) {
        boolean hundred = in.consumeBoolean();
        byte[] names = in.consumeBytes(in.consumeInt(0, 512));
        byte[] records = in.consumeRemainingAsBytes();
        Path dir = DIR.resolve("cifar");
        FuzzFiles.write(dir.resolve(hundred ? "test.bin" : "test_batch.bin"), records);
        FuzzFiles.write(dir.resolve(hundred ? "fine_label_names.txt" : "batches.meta.txt"), names);
        try {
            IdxFuzzTest.readAll(CifarDataset.open(dir, hundred, false));
        } catch (Vit4jException expected) {
            // refused
        }
    }

    /** Entry point for standalone Jazzer ({@code tools/fuzz.sh}): longer campaigns than the JUnit run. */
    public static void fuzzerTestOneInput(FuzzedDataProvider in) {
        new CifarFuzzTest().cifar(in);
    }
}
