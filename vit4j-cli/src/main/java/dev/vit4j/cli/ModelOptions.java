package dev.vit4j.cli;

import dev.vit4j.inference.LoadedModel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -m} and {@code -w}, shared by the commands that load a trained model. */
final class ModelOptions {
    @Option(names = {"-m", "--model"},
            description = "Architecture name (see `vit4j models`) or config .json; not needed with a model directory.")
    String model;

    @Option(names = {"-w", "--weights"}, required = true, description = "A .safetensors file (timm or Hugging Face "
            + "names), a directory with config.json and model.safetensors, or a `vit4j train` output directory.")
    Path weights;

    LoadedModel load() {
        return LoadedModel.load(model, weights);
    }
}
