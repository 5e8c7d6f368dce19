package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.search.VitIndex;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "index",
        description = "Index images for search by example or by sentence: each image's normalised embedding (CLIP's or"
                + " SigLIP's image embedding, other models' features) in an Apache Lucene HNSW index, with its path,"
                + " size, modification time and SHA-256. Run it again to bring the index up to date: new and changed"
                + " files are embedded, deleted ones removed, the rest left as they are.")
final class IndexCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "The index folder: created when absent; an index there is updated (with the model it"
                    + " records, when -m/-w are not given).")
    Path output;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "32",
            description = "Images per forward pass (each batch is committed: a stopped run keeps what it did).")
    int batchSize;

    @Option(
            names = "--quantize",
            defaultValue = "none",
            paramLabel = "none|int8",
            description = "A new index's vectors as searched: float32, or int8 (Lucene's scalar quantization: a"
                    + " quarter of the memory, recall a little lower; see docs/search.md).")
    String quantize;

    @Option(
            names = "--hnsw-m",
            paramLabel = "M",
            defaultValue = "16",
            description = "A new index's HNSW graph: neighbours kept per image (more: better recall, larger, slower"
                    + " to build).")
    int maxConnections;

    @Option(
            names = "--beam-width",
            paramLabel = "N",
            defaultValue = "100",
            description =
                    "A new index's HNSW graph: candidates weighed when an image is linked in" + " (efConstruction).")
    int beamWidth;

    @Parameters(
            arity = "1..*",
            paramLabel = "IMAGE|DIR",
            description = "Images, or folders searched for images (recursively). A path indexed before under one of"
                    + " these that is no longer there is removed.")
    List<Path> images;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1) {
            throw new Vit4jException("--batch-size must be at least 1");
        }
        if (!quantize.equals("none") && !quantize.equals("int8")) {
            throw new Vit4jException("--quantize takes none or int8, not " + quantize);
        }
        VitIndex.Settings settings = new VitIndex.Settings(maxConnections, beamWidth, quantize.equals("int8"));
        OutputFiles.folder(output, "-o");
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        List<Path> files = ImageBatches.expand(images);
        boolean exists = VitIndex.exists(output);
        ModelOptions model = exists ? modelOptions.orRecordedIn(output) : modelOptions;
        UnreadableImages unreadable = new UnreadableImages(err);
        try (ModelPipeline pipeline = engineOptions.pipeline(model.load(err));
                // the origin (the weights hashed) is recorded by a new index only
                VitIndex index = VitIndex.open(output, pipeline, settings, exists ? null : model.origin());
                Progress bar = Progress.start(err, "index", files.size(), "images")) {
            VitIndex.Update update = index.update(files, images, batchSize, (chunk, outcomes, done, total) -> {
                unreadable.report(chunk, outcomes);
                bar.stepTo(done);
            });
            bar.stepTo(files.size());
            out.printf(
                    Locale.ROOT,
                    "%s: %d images (%d embedded, %d known contents reused, %d unchanged, %d removed)%n",
                    output,
                    index.size(),
                    update.embedded(),
                    update.reused(),
                    update.unchanged(),
                    update.removed());
        }
        out.flush();
        return unreadable.finish(files.size());
    }
}
