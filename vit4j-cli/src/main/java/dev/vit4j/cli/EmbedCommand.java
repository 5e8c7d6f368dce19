package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.DatasetSpec;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.io.NpyWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "embed",
        description = "Image embeddings: timm's forward_head(pre_logits=True) or, with --embedding head, the head's"
                + " output (a CLIP tower's image embedding), one row per image, as .npy (with a .txt of the image"
                + " paths in row order) or CSV (path, then the values).")
final class EmbedCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Option(
            names = {"-o", "--output"},
            required = true,
            description = "OUT.npy or OUT.csv.")
    Path output;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per forward pass (default 32).")
    int batchSize;

    @Option(
            names = "--embedding",
            defaultValue = "pre-logits",
            paramLabel = "pre-logits|head",
            description = "pre-logits (timm's forward_head(pre_logits=True), default) or head (the head's output:"
                    + " for CLIP towers the image embedding in the joint space, before normalising).")
    String embeddingOutput;

    @Option(names = "--normalize", description = "L2-normalise every row (as open_clip's normalize=True).")
    boolean normalize;

    @Parameters(arity = "1..*", paramLabel = "IMAGE_OR_DIR", description = "Images, or folders searched for images.")
    List<Path> inputs;

    @Override
    public Integer call() throws IOException {
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".npy") && !name.endsWith(".csv")) {
            throw new Vit4jException("-o must end in .npy or .csv: " + output);
        }
        OutputFiles.inExistingFolder(output, "-o");
        if (batchSize < 1) {
            throw new Vit4jException("--batch-size must be at least 1");
        }
        Embedding embedding = new Embedding(Embedding.Output.parse(embeddingOutput), normalize);
        List<Path> found = collect(inputs);
        List<Path> images = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        UnreadableImages unreadable = new UnreadableImages(spec.commandLine().getErr());
        try (ModelPipeline pipeline = engineOptions.pipeline(
                        modelOptions.load(spec.commandLine().getErr()));
                Progress progress = found.size() > batchSize
                        ? Progress.start(spec.commandLine().getErr(), "embed", found.size(), "images")
                        : null) {
            for (int start = 0; start < found.size(); start += batchSize) {
                List<Path> chunk = found.subList(start, Math.min(found.size(), start + batchSize));
                List<ModelPipeline.Outcome> outcomes = pipeline.runEach(chunk, false);
                unreadable.report(chunk, outcomes);
                for (int i = 0; i < chunk.size(); i++) {
                    if (outcomes.get(i).ok()) {
                        images.add(chunk.get(i));
                        rows.add(embedding.of(outcomes.get(i).outputs()));
                    }
                }
                if (progress != null) {
                    progress.stepTo(start + chunk.size());
                }
            }
        }
        int status = unreadable.finish(found.size());
        if (rows.isEmpty()) {
            return status; // nothing could be read: nothing written
        }
        int dim = rows.get(0).length;
        if (name.endsWith(".npy")) {
            NpyWriter.write(output, rows, dim);
            Path list = output.resolveSibling(output.getFileName().toString().replaceFirst("(?i)\\.npy$", ".txt"));
            StringBuilder sb = new StringBuilder();
            images.forEach(p -> sb.append(p).append('\n'));
            AtomicFiles.writeString(list, sb.toString());
            spec.commandLine()
                    .getOut()
                    .printf("%d × %d embeddings: %s (rows in the order of %s)%n", rows.size(), dim, output, list);
        } else {
            AtomicFiles.write(output, o -> {
                StringBuilder header = new StringBuilder("path");
                for (int j = 0; j < dim; j++) {
                    header.append(",e").append(j);
                }
                o.write((header + "\n").getBytes(StandardCharsets.UTF_8));
                for (int i = 0; i < rows.size(); i++) {
                    StringBuilder line = new StringBuilder(csv(images.get(i).toString()));
                    for (float v : rows.get(i)) {
                        line.append(',').append(v);
                    }
                    o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            });
            spec.commandLine().getOut().printf("%d × %d embeddings: %s%n", rows.size(), dim, output);
        }
        spec.commandLine().getOut().flush();
        return status;
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** Files as given; folders walked for image files, sorted, so that rows come in a stable order. */
    static List<Path> collect(List<Path> inputs) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile)
                            .filter(DatasetSpec::looksLikeImage)
                            .sorted()
                            .forEach(out::add);
                }
            } else {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new Vit4jException("no images in " + inputs);
        }
        return out;
    }
}
