package dev.vit4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.io.Json;
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
        name = "duplicates",
        description = "Group an index's near-duplicate images: each image joined to its nearest neighbours whose"
                + " cosine similarity is at least the threshold, the joins closed transitively; largest groups"
                + " first.")
final class DuplicatesCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Parameters(index = "0", paramLabel = "INDEX", description = "The index folder (`vit4j index -o`).")
    Path index;

    @Option(
            names = "--threshold",
            paramLabel = "COSINE",
            defaultValue = "0.95",
            description = "The least cosine similarity of two near-duplicates (resized or recompressed copies of one"
                    + " photo score about 0.95 to 0.99 with CLIP; a lower value groups similar scenes).")
    double threshold;

    @Option(
            names = "--neighbours",
            paramLabel = "N",
            defaultValue = "10",
            description = "Neighbours looked at per image.")
    int neighbours;

    @Option(names = "--json", description = "One JSON object per group per line: its images with their scores.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (threshold < -1 || threshold > 1) {
            throw new Vit4jException("--threshold is a cosine similarity, -1 to 1, not " + threshold);
        }
        if (neighbours < 1) {
            throw new Vit4jException("--neighbours must be at least 1");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        ModelOptions model = modelOptions.orRecordedIn(index);
        ObjectMapper mapper = Json.mapper();
        try (ModelPipeline pipeline = engineOptions.pipeline(model.load(err));
                VitIndex vi = VitIndex.openForSearch(index, pipeline)) {
            List<List<VitIndex.Hit>> groups = vi.duplicates(threshold, neighbours);
            for (List<VitIndex.Hit> group : groups) {
                if (json) {
                    ObjectNode o = mapper.createObjectNode();
                    ArrayNode images = o.putArray("images");
                    for (VitIndex.Hit h : group) {
                        images.addObject().put("path", h.path()).put("score", h.score());
                    }
                    out.println(mapper.writeValueAsString(o));
                } else {
                    out.println(group.size() + " images:");
                    for (VitIndex.Hit h : group) {
                        out.printf(Locale.ROOT, "  %.4f  %s%n", h.score(), h.path());
                    }
                }
            }
            if (!json) {
                err.println("vit4j: " + groups.size() + " groups of near-duplicates among " + vi.size() + " images");
            }
        }
        out.flush();
        return 0;
    }
}
