package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", description = {"Write the model as ONNX (opset 17, dynamic batch): input pixel_values,",
        "outputs logits and pre_logits, and with --with-attention every attention tensor (names as attention.safetensors)."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = {"-o", "--output"}, required = true, description = "The .onnx file to write.")
    Path output;

    @Option(names = "--opset", defaultValue = "17", description = "ONNX opset (vit4j writes 17).")
    int opset;

    @Option(names = "--with-attention", description = "Also output every attention tensor.")
    boolean withAttention;

    @Option(names = "--onnxruntime-kernels", description = {"Use ONNX Runtime's fused com.microsoft operators "
            + "(Attention, SkipLayerNormalization), as vit4j's onnx engine does: faster there, but the file then runs "
            + "on ONNX Runtime only."})
    boolean onnxRuntimeKernels;

    @Override
    public Integer call() throws IOException {
        if (opset != dev.vit4j.onnx.OnnxGraph.OPSET) {
            throw new Vit4jException("vit4j writes opset " + dev.vit4j.onnx.OnnxGraph.OPSET + " (LayerNormalization is "
                    + "an operator from 17 on); asked for " + opset);
        }
        try (LoadedModel loaded = modelOptions.load(spec.commandLine().getErr())) {
            byte[] onnx = loaded.model().toOnnx(withAttention, onnxRuntimeKernels);
            AtomicFiles.write(output, out -> out.write(onnx));
            spec.commandLine().getOut().printf("%s → %s (%.1f MB)%n", loaded.model().config().name, output,
                    onnx.length / 1e6);
        }
        return 0;
    }
}
