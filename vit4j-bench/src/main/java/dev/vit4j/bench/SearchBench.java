package dev.vit4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vit4j.search.VitIndex;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * vit4j's vector index (Lucene HNSW, float32 and int8) on the vectors {@code tools/search_anchor.py} drew, beside
 * faiss's HNSW on the same vectors: build time per vector, and recall@10 against the exact answers and single-thread
 * queries per second at each number of candidates (HNSW's ef). One run, both sides' numbers in one table.
 *
 * <p>usage: {@code java -Xmx8g -cp vit4j-bench/target/vit4j-benchmarks.jar dev.vit4j.bench.SearchBench DIR
 * [--threads 2] [--candidates 10,20,...] [--quantize none,int8]}
 */
public final class SearchBench {
    private SearchBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = 2;
        String candidates = "10,20,40,80,160,320";
        String quantize = "none,int8";
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--candidates" -> candidates = args[i + 1];
                case "--quantize" -> quantize = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        JsonNode faiss = new ObjectMapper().readTree(dir.resolve("faiss.json").toFile());
        int dim = faiss.get("dim").asInt();
        FloatBuffer base = floats(dir.resolve("base.f32"));
        FloatBuffer queryBuffer = floats(dir.resolve("queries.f32"));
        int n = base.capacity() / dim;
        int q = queryBuffer.capacity() / dim;
        float[][] queries = new float[q][dim];
        for (int i = 0; i < q; i++) {
            queryBuffer.get(i * dim, queries[i]);
        }
        int[][] truth = new int[q][10];
        IntBuffer t = ints(dir.resolve("truth.i32"));
        for (int i = 0; i < q; i++) {
            t.get(i * 10, truth[i]);
        }
        System.out.printf(
                Locale.ROOT,
                "%d vectors of %d, %d queries; faiss %s: build %.1f s (%.1f us/vector, %d threads)%n",
                n,
                dim,
                q,
                faiss.get("faiss").asText(),
                faiss.get("build_s").asDouble(),
                faiss.get("build_us_per_vector").asDouble(),
                faiss.get("build_threads").asInt());
        int[] efs =
                Arrays.stream(candidates.split(",")).mapToInt(Integer::parseInt).toArray();
        for (String kind : quantize.split(",")) {
            boolean int8 = kind.equals("int8");
            Path indexDir = dir.resolve("lucene-" + kind);
            deleteTree(indexDir);
            VitIndex.Settings settings = new VitIndex.Settings(
                    faiss.get("m").asInt(), faiss.get("ef_construction").asInt(), int8);
            long start = System.nanoTime();
            try (VitIndex index = VitIndex.openVectors(indexDir, dim, settings)) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                List<Future<?>> parts = new ArrayList<>();
                int per = (n + threads - 1) / threads;
                for (int p = 0; p < threads; p++) {
                    int from = p * per;
                    int to = Math.min(n, from + per);
                    parts.add(pool.submit(() -> {
                        for (int i = from; i < to; i++) {
                            float[] v = new float[dim];
                            base.get(i * dim, v);
                            index.add(Integer.toString(i), v, 0, 0, null);
                        }
                    }));
                }
                for (Future<?> f : parts) {
                    f.get();
                }
                pool.shutdown();
                index.commit();
                double added = (System.nanoTime() - start) / 1e9;
                index.optimize();
                double built = (System.nanoTime() - start) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "vit4j (Lucene 9.12.3 HNSW, %s, M=%d beamWidth=%d): build %.1f s (%.1f us/vector; added"
                                + " %.1f s, merged into one graph %.1f s; %d threads), index %d MB%n",
                        int8 ? "int8" : "float32",
                        settings.maxConnections(),
                        settings.beamWidth(),
                        built,
                        1e6 * built / n,
                        added,
                        built - added,
                        threads,
                        size(indexDir) >> 20);
                for (int ef : efs) {
                    index.search(queries[0], 10, VitIndex.Filter.NONE, ef); // warm
                    double[] seconds = new double[3];
                    double recall = 0;
                    for (int r = 0; r < seconds.length; r++) {
                        long s = System.nanoTime();
                        int found = 0;
                        for (int i = 0; i < q; i++) {
                            List<VitIndex.Hit> hits = index.search(queries[i], 10, VitIndex.Filter.NONE, ef);
                            Set<Integer> want = new HashSet<>();
                            for (int id : truth[i]) {
                                want.add(id);
                            }
                            for (VitIndex.Hit h : hits) {
                                found += want.contains(Integer.parseInt(h.path())) ? 1 : 0;
                            }
                        }
                        seconds[r] = (System.nanoTime() - s) / 1e9;
                        recall = found / (10.0 * q);
                    }
                    Arrays.sort(seconds);
                    double qps = q / seconds[1];
                    JsonNode anchor = null;
                    for (JsonNode row : faiss.get("rows")) {
                        if (row.get("ef_search").asInt() == ef) {
                            anchor = row;
                        }
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "| %s | %d | %.4f | %.0f | %s | %s | %s |%n",
                            int8 ? "int8" : "float32",
                            ef,
                            recall,
                            qps,
                            anchor == null
                                    ? "-"
                                    : String.format(
                                            Locale.ROOT,
                                            "%.4f",
                                            anchor.get("recall_at_10").asDouble()),
                            anchor == null
                                    ? "-"
                                    : String.format(
                                            Locale.ROOT,
                                            "%.0f",
                                            anchor.get("qps").asDouble()),
                            anchor == null
                                    ? "-"
                                    : String.format(
                                            Locale.ROOT,
                                            "%.2f",
                                            qps / anchor.get("qps").asDouble()));
                }
            }
        }
    }

    private static FloatBuffer floats(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file)) {
            return c.map(FileChannel.MapMode.READ_ONLY, 0, c.size())
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
        }
    }

    private static IntBuffer ints(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file)) {
            return c.map(FileChannel.MapMode.READ_ONLY, 0, c.size())
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer();
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(f);
            }
        }
    }
}
