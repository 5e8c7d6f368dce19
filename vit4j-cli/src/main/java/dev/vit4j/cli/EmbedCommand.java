package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.io.NpyWriter;
import dev.vit4j.text.TextLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "embed",
        description = "Image embeddings: timm's forward_head(pre_logits=True) or, with --embedding head, the head's"
                + " output (a CLIP tower's image embedding), one row per image, as .npy (with a .txt of the image"
                + " paths in row order) or CSV (path, then the values). With --texts, a two-tower model's text"
                + " embeddings (open_clip's encode_text), one row per line of the file.")
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
            paramLabel = "FILE",
            converter = OutputFiles.FileConverter.class,
            description = "OUT.npy (with OUT.txt: the images in row order) or OUT.csv.")
    Path output;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "32",
            description = "Images per forward pass.")
    int batchSize;

    @Option(
            names = "--embedding",
            defaultValue = "pre-logits",
            paramLabel = "pre-logits|head",
            description = "pre-logits (timm's forward_head(pre_logits=True)) or head (the head's output:"
                    + " for CLIP towers the image embedding in the joint space, before normalising).")
    String embeddingOutput;

    @Option(names = "--normalize", description = "L2-normalise every row (as open_clip's normalize=True).")
    boolean normalize;

    @Option(
            names = "--texts",
            paramLabel = "FILE",
            description = "Embed texts instead of images: a UTF-8 file of one text a line (rows in the file's order,"
                    + " empty lines included), with a CLIP or SigLIP model. Default: the images are embedded.")
    Path texts;

    @Parameters(
            arity = "0..*",
            paramLabel = "IMAGE|DIR",
            description = "Images, or folders searched for images (recursively, in name order).")
    List<Path> inputs = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        OutputFiles.file(output, "-o", ".npy", ".csv");
        if (batchSize < 1) {
            throw new Vit4jException("--batch-size must be at least 1");
        }
        if (texts != null) {
            return embedTexts(name);
        }
        if (inputs.isEmpty()) {
            throw new Vit4jException("give images (files or folders) to embed, or --texts FILE");
        }
        Embedding embedding = new Embedding(Embedding.Output.parse(embeddingOutput), normalize);
        List<Path> images = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        int status;
        try (ModelPipeline pipeline =
                engineOptions.pipeline(modelOptions.load(spec.commandLine().getErr()))) {
            status = ImageBatches.run(
                    spec.commandLine().getErr(), pipeline, inputs, batchSize, false, "embed", (image, outcome) -> {
                        images.add(image);
                        rows.add(embedding.of(outcome.outputs()));
                    });
        }
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

    /** One row per line of --texts, in the joint space; .npy rows in the file's order, or CSV (text, then values). */
    private int embedTexts(String name) throws IOException {
        if (!inputs.isEmpty()) {
            throw new Vit4jException("give --texts FILE or images, not both");
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--embedding")) {
            throw new Vit4jException("--embedding is for images: text embeddings are in the joint image-text space");
        }
        List<String> lines = TextLines.read(texts, "texts file");
        if (lines.isEmpty()) {
            throw new Vit4jException("texts file " + texts + " is empty");
        }
        List<float[]> rows;
        try (ModelPipeline pipeline =
                engineOptions.pipeline(modelOptions.load(spec.commandLine().getErr()))) {
            pipeline.requireText();
            try (Progress bar = Progress.start(spec.commandLine().getErr(), "embed", lines.size(), "texts")) {
                rows = pipeline.embedTexts(lines, batchSize, normalize, bar::stepTo);
            }
        }
        int dim = rows.get(0).length;
        if (name.endsWith(".npy")) {
            NpyWriter.write(output, rows, dim);
            spec.commandLine()
                    .getOut()
                    .printf("%d × %d text embeddings: %s (rows in the order of %s)%n", rows.size(), dim, output, texts);
        } else {
            AtomicFiles.write(output, o -> {
                StringBuilder header = new StringBuilder("text");
                for (int j = 0; j < dim; j++) {
                    header.append(",e").append(j);
                }
                o.write((header + "\n").getBytes(StandardCharsets.UTF_8));
                for (int i = 0; i < rows.size(); i++) {
                    StringBuilder line = new StringBuilder(csvText(lines.get(i)));
                    for (float v : rows.get(i)) {
                        line.append(',').append(v);
                    }
                    o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            });
            spec.commandLine().getOut().printf("%d × %d text embeddings: %s%n", rows.size(), dim, output);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** A text as a CSV field: always quoted (a text may hold commas, quotes and line breaks). */
    private static String csvText(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
