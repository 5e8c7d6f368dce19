import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model directory (config.json + model.safetensors) from a registered architecture and a weights file, the form
 * `vit4j serve -m DIR` and the Spark jobs take. A single-file program:
 * java -cp VIT4J_CLASSPATH tools/ModelDirectory.java ARCH WEIGHTS.safetensors OUT_DIR
 */
public class ModelDirectory {
    public static void main(String[] args) throws Exception {
        Path out = Files.createDirectories(Path.of(args[2]));
        Files.writeString(out.resolve("config.json"), Configs.toJson(ModelRegistry.defaults().config(args[0])));
        Files.copy(Path.of(args[1]), out.resolve("model.safetensors"));
    }
}
