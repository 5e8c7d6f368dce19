package dev.vit4j.cli;

import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.WeightConversion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "convert",
        description = "Writes weights (.pth/.bin in torch.save's zip or legacy format, plain or "
                + "wrapped; Google's .npz; Hugging Face safetensors) as float32 safetensors with timm's names. Pickles are read "
                + "without running any of their code.")
final class ConvertCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "The weights to convert: a file, or a model directory.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT.safetensors", description = "Where to write them (a file).")
    Path out;

    @Override
    public Integer call() throws IOException {
        OutputFiles.file(out, "OUT", ".safetensors");
        // a model directory's weights file, as -w takes a directory
        int n = WeightConversion.toSafeTensors(Files.isDirectory(in) ? LoadedModel.weightsIn(in) : in, out);
        spec.commandLine().getOut().println(n + " tensors with timm's names: " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
