package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.onnx.Quantization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "export",
        description = {
            "Write the model as ONNX (opset 17, dynamic batch).",
            "Input pixel_values; outputs logits and pre_logits, and with --with-attention every attention tensor (named"
                    + " as in attention.safetensors)."
        })
final class ExportCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            converter = OutputFiles.FileConverter.class,
            description = "The .onnx file to write.")
    Path output;

    @Option(names = "--opset", defaultValue = "17", description = "ONNX opset (vit4j writes 17).")
    int opset;

    @Option(names = "--with-attention", description = "Also output every attention tensor.")
    boolean withAttention;

    @Option(
            names = "--onnxruntime-kernels",
            description = {
                "Use ONNX Runtime's fused com.microsoft operators "
                        + "(Attention, SkipLayerNormalization), as vit4j's onnx engine does: faster there, but the file then runs "
                        + "on ONNX Runtime only."
            })
    boolean onnxRuntimeKernels;

    @Option(
            names = "--quantize",
            defaultValue = "none",
            description = {
                "none (float32) or int8: every Linear's weights "
                        + "as int8 per output channel (7-bit range, safe from AVX2's int16 saturation), activations quantized at "
                        + "run time; LayerNorm, softmax, GELU and the talking-heads mixes stay float32. About 28 %% of the float32 "
                        + "file; run it with ONNX Runtime (vit4j's engine: --engine onnx-int8)."
            })
    String quantize;

    @Override
    public Integer call() throws IOException {
        Quantization quantization =
                switch (quantize) {
                    case "none" -> Quantization.NONE;
                    case "int8" -> Quantization.INT8_DYNAMIC;
                    default -> throw new Vit4jException("--quantize takes none or int8, not '" + quantize + "'");
                };
        if (opset != dev.vit4j.onnx.OnnxGraph.OPSET) {
            throw new Vit4jException("vit4j writes opset " + dev.vit4j.onnx.OnnxGraph.OPSET + " (LayerNormalization is "
                    + "an operator from 17 on); asked for " + opset);
        }
        OutputFiles.file(output, "-o", ".onnx");
        try (LoadedModel loaded = modelOptions.load(spec.commandLine().getErr())) {
            byte[] onnx = loaded.model().toOnnx(withAttention, onnxRuntimeKernels, quantization);
            AtomicFiles.write(output, out -> out.write(onnx));
            spec.commandLine()
                    .getOut()
                    .printf("%s → %s (%.1f MB)%n", loaded.model().config().name, output, onnx.length / 1e6);
        }
        return 0;
    }
}
