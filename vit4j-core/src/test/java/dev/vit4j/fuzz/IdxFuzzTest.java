package dev.vit4j.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vit4j.Vit4jException;
import dev.vit4j.data.Dataset;
import dev.vit4j.data.IdxDataset;
import java.nio.file.Path;
import java.util.List;

/** IDX files (MNIST, Fashion-MNIST; plain or gzip) from fuzzed bytes: every example reads, or the reader refuses. */
public class IdxFuzzTest {
    private static final Path DIR = FuzzFiles.directory("idx");
    private static final List<String> TEN = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    @FuzzTest(maxDuration = "10s")
    void idx(FuzzedDataProvider in) {
        boolean gzip = in.consumeBoolean();
        byte[] labels = in.consumeBytes(in.consumeInt(0, 4096));
        byte[] images = in.consumeRemainingAsBytes();
        if (gzip) {
            images = Gzip.compress(images);
            labels = Gzip.compress(labels);
        }
        String suffix = gzip ? ".gz" : "";
        Path dir = DIR.resolve(gzip ? "gz" : "plain");
        FuzzFiles.write(dir.resolve("t10k-images-idx3-ubyte" + suffix), images);
        FuzzFiles.write(dir.resolve("t10k-labels-idx1-ubyte" + suffix), labels);
        try {
            readAll(IdxDataset.open("fuzz", dir, "t10k", TEN));
        } catch (Vit4jException expected) {
            // refused
        }
    }

    static void readAll(Dataset d) {
        for (int i = 0; i < d.size(); i++) {
            d.get(i);
        }
    }

    /** Entry point for standalone Jazzer ({@code tools/fuzz.sh}): longer campaigns than the JUnit run. */
    public static void fuzzerTestOneInput(FuzzedDataProvider in) {
        new IdxFuzzTest().idx(in);
    }
}
