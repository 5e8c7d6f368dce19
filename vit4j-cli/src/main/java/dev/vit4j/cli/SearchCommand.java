package dev.vit4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.io.Json;
import dev.vit4j.search.VitIndex;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "search",
        description = "Find the images of an index most like an image, or best described by a sentence (a CLIP or"
                + " SigLIP index), with the index's own model; best first, with their cosine similarity.")
final class SearchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ModelOptions modelOptions = new ModelOptions();

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Parameters(index = "0", paramLabel = "INDEX", description = "The index folder (`vit4j index -o`).")
    Path index;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Search by this image. Default: none (--text).")
    Path image;

    @Option(
            names = "--text",
            paramLabel = "SENTENCE",
            description = "Search by this sentence (a CLIP or SigLIP index). Default: none (--image).")
    String text;

    @Option(
            names = {"-k", "--top-k"},
            defaultValue = "10",
            description = "How many images.")
    int k;

    @Option(
            names = "--candidates",
            paramLabel = "N",
            defaultValue = "100",
            description = "Candidates the HNSW search keeps (its ef; at least -k): more finds more of the true"
                    + " nearest, slower (docs/search.md).")
    int candidates;

    @Option(
            names = "--path-prefix",
            paramLabel = "PREFIX",
            description = "Only images whose absolute path starts with this. Default: all.")
    String pathPrefix;

    @Option(
            names = "--modified-after",
            paramLabel = "DATE",
            description = "Only images modified at or after this (2024-05-01, or 2024-05-01T12:00:00Z). Default: any.")
    String modifiedAfter;

    @Option(
            names = "--modified-before",
            paramLabel = "DATE",
            description = "Only images modified before this (a day means its start). Default: any.")
    String modifiedBefore;

    @Option(names = "--json", description = "One JSON object per hit per line, best first: path, score, rank.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if ((image == null) == (text == null)) {
            throw new Vit4jException("give one of --image IMAGE or --text SENTENCE");
        }
        if (k < 1) {
            throw new Vit4jException("-k must be at least 1");
        }
        if (candidates < 1) {
            throw new Vit4jException("--candidates must be at least 1");
        }
        VitIndex.Filter filter = new VitIndex.Filter(
                pathPrefix == null ? null : prefix(pathPrefix),
                modifiedAfter == null ? null : millis(modifiedAfter, "--modified-after"),
                modifiedBefore == null ? null : millis(modifiedBefore, "--modified-before") - 1);
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        ModelOptions model = modelOptions.orRecordedIn(index);
        ObjectMapper mapper = Json.mapper();
        try (ModelPipeline pipeline = engineOptions.pipeline(model.load(err));
                VitIndex vi = VitIndex.openForSearch(index, pipeline)) {
            float[] query = image != null ? vi.imageVector(image) : vi.textVector(text);
            List<VitIndex.Hit> hits = vi.search(query, k, filter, Math.max(k, candidates));
            int rank = 1;
            for (VitIndex.Hit h : hits) {
                if (json) {
                    ObjectNode o = mapper.createObjectNode();
                    o.put("rank", rank);
                    o.put("path", h.path());
                    o.put("score", h.score());
                    out.println(mapper.writeValueAsString(o));
                } else {
                    out.printf(Locale.ROOT, "%3d. %.4f  %s%n", rank, h.score(), h.path());
                }
                rank++;
            }
            if (hits.isEmpty() && !json) {
                err.println("vit4j: no image in " + index + " passes the filters");
            }
        }
        out.flush();
        return 0;
    }

    /** A prefix as the index stores paths: absolute and normalised, a trailing separator kept. */
    private static String prefix(String p) {
        String abs = Path.of(p).toAbsolutePath().normalize().toString();
        return p.endsWith("/") && !abs.endsWith("/") ? abs + "/" : abs;
    }

    static long millis(String date, String flag) {
        try {
            return date.contains("T")
                    ? Instant.parse(date).toEpochMilli()
                    : LocalDate.parse(date)
                            .atStartOfDay(ZoneId.systemDefault())
                            .toInstant()
                            .toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new Vit4jException(
                    flag + " takes a date (2024-05-01) or an instant (2024-05-01T12:00:00Z), not " + date);
        }
    }
}
