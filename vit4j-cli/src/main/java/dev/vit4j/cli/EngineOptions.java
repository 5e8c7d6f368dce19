package dev.vit4j.cli;

import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.InferenceEngine;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import picocli.CommandLine.Option;

/** {@code --engine} and {@code --threads}, shared by the commands that run a model. */
final class EngineOptions {
    /** The default after measurement: see docs/performance.md. */
    static final String DEFAULT = "onnx";

    @Option(
            names = "--engine",
            defaultValue = DEFAULT,
            description = "onnx (vit4j's ONNX export on ONNX Runtime), onnx-int8 (the same with int8 weights and"
                    + " activations) or torch (DJL + PyTorch).")
    String engine;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "ONNX Runtime threads per run; 0: all cores (serve and loadtest: the cores shared among the"
                    + " --workers).")
    int threads;

    EngineType type() {
        return EngineType.of(engine);
    }

    InferenceEngine open(LoadedModel model) {
        return type().create(model, threads);
    }

    /** The model with an engine of the chosen type, both closed with the pipeline. */
    ModelPipeline pipeline(LoadedModel model) {
        return ModelPipeline.open(model, type(), threads);
    }
}
