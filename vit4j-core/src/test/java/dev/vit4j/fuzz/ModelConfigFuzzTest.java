package dev.vit4j.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Any text as a model config (timm-style or Hugging Face {@code config.json}): a valid config, or refused. */
public class ModelConfigFuzzTest {
    private static final Path DIR = FuzzFiles.directory("configs");

    @FuzzTest(maxDuration = "10s")
    void readAndValidate(FuzzedDataProvider in) {
        String json = in.consumeRemainingAsString();
        Path file = FuzzFiles.write(DIR.resolve("config.json"), json.getBytes(StandardCharsets.UTF_8));
        try {
            ModelConfig c = Configs.read(file);
            Complexity.gmacs(c);
            Configs.toJson(c);
        } catch (Vit4jException expected) {
            // refused
        }
    }

    /** Entry point for standalone Jazzer ({@code tools/fuzz.sh}): longer campaigns than the JUnit run. */
    public static void fuzzerTestOneInput(FuzzedDataProvider in) {
        new ModelConfigFuzzTest().readAndValidate(in);
    }
}
