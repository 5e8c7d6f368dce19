package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.DatasetSpec;
import dev.vit4j.inference.ModelPipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * How every command takes images: files as given and folders searched recursively for images, in a stable (sorted)
 * order; run through the model's pipeline in batches, with a progress bar when there is more than one; an image that
 * cannot be read named on stderr, counted and skipped, and the command successful if any image was processed.
 */
final class ImageBatches {
    /** What a command does with one image that was read. */
    @FunctionalInterface
    interface Each {
        void accept(Path image, ModelPipeline.Outcome outcome) throws IOException;
    }

    private ImageBatches() {}

    /** Files as given; folders walked for image files, sorted, so that results come in a stable order. */
    static List<Path> expand(List<Path> inputs) throws IOException {
        List<Path> out = new ArrayList<>();
        List<Path> emptyFolders = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                int before = out.size();
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile)
                            .filter(DatasetSpec::looksLikeImage)
                            .sorted()
                            .forEach(out::add);
                }
                if (out.size() == before) {
                    emptyFolders.add(p);
                }
            } else {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new Vit4jException("no images in " + (emptyFolders.size() == 1 ? emptyFolders.get(0) : emptyFolders)
                    + " (PNG, JPEG, BMP, GIF, WebP, TIFF; folders are searched recursively)");
        }
        return out;
    }

    /**
     * {@code inputs} (files or folders) through {@code pipeline} in batches of {@code batchSize}, recording attention
     * if asked; {@code each} gets every image that was read, in order. Returns the exit status (0 if any was read).
     */
    static int run(
            PrintWriter err,
            ModelPipeline pipeline,
            List<Path> inputs,
            int batchSize,
            boolean attention,
            String task,
            Each each)
            throws IOException {
        List<Path> images = expand(inputs);
        UnreadableImages unreadable = new UnreadableImages(err);
        // One batch needs no bar; more get one (on stderr: stdout holds the results alone).
        try (Progress progress =
                images.size() > batchSize ? Progress.start(err, task, images.size(), "images") : null) {
            for (int start = 0; start < images.size(); start += batchSize) {
                List<Path> chunk = images.subList(start, Math.min(images.size(), start + batchSize));
                List<ModelPipeline.Outcome> outcomes = pipeline.runEach(chunk, attention);
                unreadable.report(chunk, outcomes);
                for (int i = 0; i < chunk.size(); i++) {
                    if (outcomes.get(i).ok()) {
                        each.accept(chunk.get(i), outcomes.get(i));
                    }
                }
                if (progress != null) {
                    progress.stepTo(start + chunk.size());
                }
            }
        }
        return unreadable.finish(images.size());
    }
}
