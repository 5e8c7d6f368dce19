package dev.vit4j.weights;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.ModelRunner;
import dev.vit4j.models.WeightConversion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vit_micro fixture's weights in every format users hold ({@code shared/fixtures/formats}): each must give the
 * fixture's timm logits. {@code hostile.pth} would run a shell command if unpickled with Python's pickle.
 */
class WeightFormatsTest {
    private static final Path EXECUTED = Path.of("/tmp/vit4j-pickle-executed");

    @ParameterizedTest
    @CsvSource({
        "vit_micro.pth, 1e-4",
        "vit_micro_legacy.pth, 1e-4",
        "vit_micro_wrapped.pth, 1e-4",
        "vit_micro_f16.bin, 1e-2",
        "vit_micro.npz, 1e-4"
    })
    void everyFormatGivesTheFixturesLogits(String file, double tolerance) {
        double diff = logitsDiff(Fixtures.path("formats/" + file));
        System.out.printf("[formats] %s: max |logits - timm| %.2e%n", file, diff);
        assertTrue(diff < tolerance, file + ": " + diff);
    }

    static double logitsDiff(Path weights) {
        try (LoadedModel m =
                LoadedModel.load(Fixtures.path("vit_micro/config.json").toString(), weights)) {
            float[] x = Fixtures.tensor("vit_micro/input.safetensors", "x");
            ModelOutputs out = ModelRunner.run(
                    m.model(), m.manager(), x, new Shape(Fixtures.shape("vit_micro/input.safetensors", "x")), false);
            return Fixtures.maxAbsDiff(
                    Fixtures.flatten(out.logits()), Fixtures.tensor("vit_micro/expected.safetensors", "logits"));
        }
    }

    @Test
    void aHostilePickleIsRefusedAndNothingRuns() throws IOException {
        Files.deleteIfExists(EXECUTED);
        Vit4jException e = assertThrows(Vit4jException.class, () -> logitsDiff(Fixtures.path("formats/hostile.pth")));
        assertTrue(e.getMessage().contains("posix.system"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was run"), e.getMessage());
        assertFalse(Files.exists(EXECUTED), "the pickle's command ran");
    }

    @Test
    void convertedWeightsAreTimmNamedSafetensors(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("converted.safetensors");
        WeightConversion.toSafeTensors(Fixtures.path("formats/vit_micro.npz"), out);
        try (SafeTensors st = SafeTensors.open(out)) {
            assertTrue(
                    st.tensors().containsKey("blocks.0.attn.qkv.weight"),
                    st.tensors().keySet().toString());
        }
        assertTrue(logitsDiff(out) < 1e-4);
    }

    @Test
    void damagedCheckpointsAreOneClearError(@TempDir Path dir) throws IOException {
        byte[] good = Files.readAllBytes(Fixtures.path("formats/vit_micro_legacy.pth"));
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length / 2));
        Vit4jException e = assertThrows(Vit4jException.class, () -> WeightFiles.open(cut));
        assertTrue(e.getMessage().contains("cut.pth"), e.getMessage());
        Path zip = dir.resolve("cut.bin");
        byte[] z = Files.readAllBytes(Fixtures.path("formats/vit_micro.pth"));
        Files.write(zip, java.util.Arrays.copyOf(z, z.length - 200));
        e = assertThrows(Vit4jException.class, () -> WeightFiles.open(zip));
        assertTrue(e.getMessage().contains("cut.bin"), e.getMessage());
    }
}
