package dev.vit4j.search;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.io.Hashes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ReferenceManager;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Images searchable by example or by sentence: each image's normalised embedding (a two-tower model's joint-space
 * image embedding, or another model's features, DINOv2's) in an Apache Lucene index, searched with Lucene's HNSW
 * graph by dot product, beside the image's path, size, modification time and SHA-256. An index belongs to the model
 * that made it: its fingerprint (the normalised embedding of a fixed probe image) is stored with every commit, and
 * another model is refused with one line; how that model was loaded ({@link Origin}) is stored too, so that a search
 * needs only the index. Searches may run from any number of threads while one writer adds; what is added is
 * searchable at once (near-real-time) and durable after {@link #commit}: Lucene's last commit is what a crash leaves.
 */
public final class VitIndex implements AutoCloseable {
    /** One result: the image's path (or the name it was added under) and its cosine similarity to the query. */
    public record Hit(String path, float score) {}

    /**
     * Lucene's HNSW graph: {@code maxConnections} neighbours a node keeps (HNSW's M), {@code beamWidth} candidates
     * weighed while linking a new node (efConstruction), and whether vectors are searched as int8 (Lucene's scalar
     * quantization: a quarter of the memory; the float32 vectors stay on disk to re-rank and merge).
     */
    public record Settings(int maxConnections, int beamWidth, boolean int8) {
        public static final Settings DEFAULTS = new Settings(
                Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN, Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH, false);

        public Settings {
            if (maxConnections < 2 || maxConnections > Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN) {
                throw new Vit4jException("maxConnections must be 2.." + Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN
                        + ", not " + maxConnections);
            }
            if (beamWidth < 1 || beamWidth > Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH) {
                throw new Vit4jException(
                        "beamWidth must be 1.." + Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH + ", not " + beamWidth);
            }
        }
    }

    /**
     * How the index's model was loaded, so that it can be loaded again from the index alone: the model as given
     * ({@code -m}: a name, config or Hub repo; may be null), its weights (an absolute path, or null for a Hub model),
     * the weights file's SHA-256 (null when not a file), timm's pretrained tag asked for, and the input size (null:
     * the model's own).
     */
    public record Origin(String model, String weights, String weightsSha256, boolean pretrained, String imageSize) {}

    /**
     * Which images a search may return: those whose path starts with {@code pathPrefix}, modified within
     * [{@code modifiedFrom}, {@code modifiedTo}] (epoch milliseconds); null for no bound. Applied inside Lucene's HNSW
     * search (a filtered graph walk, exact search when few match), so the k hits are the k best that pass.
     */
    public record Filter(String pathPrefix, Long modifiedFrom, Long modifiedTo) {
        public static final Filter NONE = new Filter(null, null, null);

        Query query() {
            BooleanQuery.Builder b = new BooleanQuery.Builder();
            boolean any = false;
            if (pathPrefix != null && !pathPrefix.isEmpty()) {
                b.add(new PrefixQuery(new Term(PATH, pathPrefix)), BooleanClause.Occur.FILTER);
                any = true;
            }
            if (modifiedFrom != null || modifiedTo != null) {
                b.add(
                        LongPoint.newRangeQuery(
                                MODIFIED,
                                modifiedFrom == null ? Long.MIN_VALUE : modifiedFrom,
                                modifiedTo == null ? Long.MAX_VALUE : modifiedTo),
                        BooleanClause.Occur.FILTER);
                any = true;
            }
            return any ? b.build() : null;
        }
    }

    /** What an {@link #update} did. */
    public record Update(int embedded, int reused, int unchanged, int removed, int unreadable) {}

    /** Told of each batch an {@link #update} embedded: its files, their outcomes, and how many files are done. */
    @FunctionalInterface
    public interface Listener {
        void batch(List<Path> files, List<ModelPipeline.Outcome> outcomes, int done, int total);
    }

    /**
     * What an index records of itself, read without a model ({@link #describe}): the model's name and embedding kind,
     * the vectors' length, the images, the graph's settings, how the model was loaded, and its preprocessing (timm's
     * data config as JSON; null for an index of vectors alone).
     */
    public record Description(
            String model, int dimension, int images, Settings settings, Origin origin, String preprocessing) {}

    static final String PATH = "path";
    static final String VECTOR = "vector";
    static final String SIZE = "size";
    static final String MODIFIED = "modified";
    static final String SHA256 = "sha256";
    private static final String MODEL = "vit4j.model";
    private static final String FINGERPRINT = "vit4j.fingerprint";
    private static final String DIMENSION = "vit4j.dimension";
    /** The model's data config (timm's: input size, interpolation, crop, mean, std) as JSON, for the record. */
    private static final String PREPROCESSING = "vit4j.preprocessing";

    private static final String VECTORS_ONLY = "vectors";
    private static final String M = "vit4j.hnsw.max_connections";
    private static final String BEAM = "vit4j.hnsw.beam_width";
    private static final String QUANTIZE = "vit4j.quantize";
    private static final String ORIGIN = "vit4j.origin.";
    /** Two runs of one model agree far above this (float32 and int8 engines too); two models fall far below. */
    private static final double SAME_MODEL = 0.99;
    /** Lucene 9's limit for an HNSW vector field. */
    static final int MAX_DIMENSION = 1024;

    private final ModelPipeline model;
    private final Embedding embedding;
    private final Path dir;
    private final Directory directory;
    private final IndexWriter writer;
    private final ReferenceManager<IndexSearcher> searchers;
    private final ExecutorService mergers;
    private final Map<String, String> record;
    private final int dimension;
    /** Searched with int8 distances (a quantized index): the candidates are rescored with float32. */
    private final boolean int8;

    private static final long REFRESH_NANOS = 1_000_000_000L;
    private volatile long lastRefresh = System.nanoTime();
    /** A write failed (a full disk): closing rolls back to the last commit instead of committing. */
    private volatile boolean failed;

    private VitIndex(
            ModelPipeline model,
            int vectorsOnly,
            Path dir,
            Directory directory,
            boolean write,
            Settings settings,
            Origin origin)
            throws IOException {
        this.model = model;
        this.dir = dir;
        this.directory = directory;
        this.embedding = model == null ? null : embeddingFor(model);
        String fingerprint = model == null ? null : fingerprint();
        this.dimension = model == null ? vectorsOnly : parse(fingerprint).length;
        if (dimension < 1 || dimension > MAX_DIMENSION) {
            throw new Vit4jException((model == null ? "vectors of " : model.config().name + " embeds ") + dimension
                    + " values; Lucene's HNSW index holds 1 to " + MAX_DIMENSION);
        }
        boolean exists = DirectoryReader.indexExists(directory);
        Map<String, String> stored =
                exists ? SegmentInfos.readLatestCommit(directory).getUserData() : Map.of();
        if (exists) {
            checkModel(stored, fingerprint);
            this.record = new HashMap<>(stored);
        } else {
            if (!write) {
                throw new Vit4jException("no index in " + dir + " (make one with `vit4j index`)");
            }
            if (directory.listAll().length > 0) {
                throw new Vit4jException(dir + " holds other files, not an index: give an empty or new folder");
            }
            this.record = newRecord(fingerprint, settings, origin);
        }
        this.int8 = settings(record).int8();
        if (!write) {
            this.writer = null;
            this.mergers = null;
            this.searchers = new SearcherManager(directory, null);
            return;
        }
        Settings effective = settings(record);
        this.mergers = Runtime.getRuntime().availableProcessors() > 1
                ? Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
                    Thread t = new Thread(r, "vit4j-index-merge");
                    t.setDaemon(true);
                    return t;
                })
                : null;
        IndexWriter w;
        try {
            w = new IndexWriter(
                    directory,
                    new IndexWriterConfig()
                            .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                            .setRAMBufferSizeMB(ramBufferMb())
                            .setCodec(codec(effective, mergers)));
        } catch (LockObtainFailedException e) {
            shutdownMergers();
            throw new Vit4jException(
                    "the index " + dir + " is being written by another writer (its write.lock is held)");
        } catch (IOException | RuntimeException e) {
            shutdownMergers();
            throw e;
        }
        this.writer = w;
        try {
            if (!exists) {
                writer.setLiveCommitData(record.entrySet());
                writer.commit();
            }
            this.searchers = new SearcherManager(writer, null);
        } catch (RuntimeException | IOException e) {
            writer.rollback();
            shutdownMergers();
            throw e;
        }
    }

    /**
     * The index in {@code dir} for {@code model}, open for adding and searching; created with {@code settings} and
     * {@code origin} recorded when absent (an existing index keeps its own). An index made by another model, a folder
     * of other files, a damaged index and an index another writer holds are refused with one line.
     */
    public static VitIndex open(Path dir, ModelPipeline model, Settings settings, Origin origin) {
        return open(dir, model, 0, true, settings, origin);
    }

    /** {@link #open(Path, ModelPipeline, Settings, Origin)} with Lucene's defaults and no origin. */
    public static VitIndex open(Path dir, ModelPipeline model) {
        return open(dir, model, Settings.DEFAULTS, null);
    }

    /** The index in {@code dir}, for searching only: no write lock taken, so it may be searched while it is written. */
    public static VitIndex openForSearch(Path dir, ModelPipeline model) {
        return open(dir, model, 0, false, Settings.DEFAULTS, null);
    }

    /**
     * An index of vectors made elsewhere ({@link #add(String, float[], long, long, String)}, {@link #search(float[],
     * int)}), with no model: nothing to embed images or sentences with, and no model's index opens as one.
     */
    public static VitIndex openVectors(Path dir, int dimension, Settings settings) {
        return open(dir, null, dimension, true, settings, null);
    }

    private static VitIndex open(
            Path dir, ModelPipeline model, int dimension, boolean write, Settings settings, Origin origin) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new Vit4jException(dir + " is a file, not an index folder");
        }
        if (!write && !Files.isDirectory(dir)) {
            throw new Vit4jException("no index in " + dir + " (make one with `vit4j index`)");
        }
        Directory directory = null;
        try {
            Files.createDirectories(dir);
            directory = FSDirectory.open(dir);
            return new VitIndex(model, dimension, dir, directory, write, settings, origin);
        } catch (IndexNotFoundException e) {
            close(directory);
            throw new Vit4jException("no index in " + dir + " (make one with `vit4j index`)");
        } catch (IOException e) {
            close(directory);
            if (e instanceof NoSuchFileException || isLuceneDamage(e)) {
                throw new Vit4jException("the index " + dir + " cannot be read: " + firstLine(e.getMessage()));
            }
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            close(directory);
            throw e;
        }
    }

    /** Over a directory the caller made (a test's failing disk); it is closed with the index. */
    static VitIndex open(Directory directory, ModelPipeline model) throws IOException {
        return new VitIndex(model, 0, Path.of(directory.toString()), directory, true, Settings.DEFAULTS, null);
    }

    private static boolean isLuceneDamage(IOException e) {
        return e instanceof org.apache.lucene.index.CorruptIndexException
                || e instanceof org.apache.lucene.index.IndexFormatTooOldException
                || e instanceof org.apache.lucene.index.IndexFormatTooNewException
                || e instanceof java.io.EOFException;
    }

    private static String firstLine(String s) {
        return s == null ? "damaged" : s.split("\n", 2)[0];
    }

    private static void close(Directory d) {
        if (d != null) {
            try {
                d.close();
            } catch (IOException ignored) {
                // already failing: the first error is the one reported
            }
        }
    }

    /** Whether {@code dir} holds a Lucene index (vit4j's or not: {@link #describe} tells). */
    public static boolean exists(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Directory d = FSDirectory.open(dir)) {
            return DirectoryReader.indexExists(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the index in {@code dir} records: its model, size, settings and origin; no model needed. */
    public static Description describe(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new Vit4jException("no index in " + dir + " (make one with `vit4j index`)");
        }
        try (Directory d = FSDirectory.open(dir)) {
            if (!DirectoryReader.indexExists(d)) {
                throw new Vit4jException("no index in " + dir + " (make one with `vit4j index`)");
            }
            Map<String, String> r;
            int images;
            try (DirectoryReader reader = DirectoryReader.open(d)) {
                r = reader.getIndexCommit().getUserData();
                images = reader.numDocs();
            }
            if (r.get(FINGERPRINT) == null && r.get(DIMENSION) == null) {
                throw new Vit4jException(dir + " is a Lucene index vit4j did not make (no model recorded)");
            }
            int dimension =
                    r.get(FINGERPRINT) != null ? parse(r.get(FINGERPRINT)).length : Integer.parseInt(r.get(DIMENSION));
            return new Description(r.get(MODEL), dimension, images, settings(r), origin(r), r.get(PREPROCESSING));
        } catch (IOException e) {
            if (isLuceneDamage(e) || e instanceof NoSuchFileException) {
                throw new Vit4jException("the index " + dir + " cannot be read: " + firstLine(e.getMessage()));
            }
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> newRecord(String fingerprint, Settings settings, Origin origin) {
        Map<String, String> r = new HashMap<>();
        if (model == null) {
            r.put(MODEL, VECTORS_ONLY);
            r.put(DIMENSION, Integer.toString(dimension));
        } else {
            r.put(MODEL, model.config().name + " " + embedding.output().id());
            r.put(FINGERPRINT, fingerprint);
            try {
                r.put(PREPROCESSING, dev.vit4j.io.Json.mapper().writeValueAsString(model.dataConfig()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a data config is plain JSON", e);
            }
        }
        r.put(M, Integer.toString(settings.maxConnections()));
        r.put(BEAM, Integer.toString(settings.beamWidth()));
        r.put(QUANTIZE, settings.int8() ? "int8" : "none");
        if (origin != null) {
            putIfSet(r, "model", origin.model());
            putIfSet(r, "weights", origin.weights());
            putIfSet(r, "weights_sha256", origin.weightsSha256());
            putIfSet(r, "pretrained", origin.pretrained() ? "true" : null);
            putIfSet(r, "image_size", origin.imageSize());
        }
        return r;
    }

    private static void putIfSet(Map<String, String> r, String key, String value) {
        if (value != null) {
            r.put(ORIGIN + key, value);
        }
    }

    private static Settings settings(Map<String, String> r) {
        return new Settings(
                Integer.parseInt(r.getOrDefault(M, Integer.toString(Settings.DEFAULTS.maxConnections()))),
                Integer.parseInt(r.getOrDefault(BEAM, Integer.toString(Settings.DEFAULTS.beamWidth()))),
                "int8".equals(r.get(QUANTIZE)));
    }

    private static Origin origin(Map<String, String> r) {
        if (r.keySet().stream().noneMatch(k -> k.startsWith(ORIGIN))) {
            return null;
        }
        return new Origin(
                r.get(ORIGIN + "model"),
                r.get(ORIGIN + "weights"),
                r.get(ORIGIN + "weights_sha256"),
                "true".equals(r.get(ORIGIN + "pretrained")),
                r.get(ORIGIN + "image_size"));
    }

    /** Lucene's indexing buffer: a sixteenth of the heap, 16 to 256 MB (fewer, larger segments to merge). */
    private static double ramBufferMb() {
        return Math.max(16, Math.min(256, Runtime.getRuntime().maxMemory() / 16 / (1 << 20)));
    }

    /** Lucene's current codec with the HNSW format these settings ask for on the vector field. */
    static Codec codec(Settings s, ExecutorService mergers) {
        int workers = mergers == null ? 1 : Runtime.getRuntime().availableProcessors();
        KnnVectorsFormat format = s.int8()
                ? new Lucene99HnswScalarQuantizedVectorsFormat(
                        s.maxConnections(), s.beamWidth(), workers, 7, false, null, mergers)
                : new Lucene99HnswVectorsFormat(s.maxConnections(), s.beamWidth(), workers, mergers);
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    private String fingerprint() {
        StringBuilder probe = new StringBuilder();
        for (float v : embed(probeImage())) {
            probe.append(probe.length() == 0 ? "" : ",").append(v);
        }
        return probe.toString();
    }

    /** A fixed picture: smooth gradients and a square, the same bytes everywhere. */
    private static BufferedImage probeImage() {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                int r = x * 4;
                int g = y * 5;
                int b = x > 20 && x < 44 && y > 12 && y < 36 ? 230 : 40;
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return image;
    }

    private void checkModel(Map<String, String> stored, String fingerprint) {
        String theirs = stored.get(FINGERPRINT);
        if (VECTORS_ONLY.equals(stored.get(MODEL))) {
            if (model != null) {
                throw new Vit4jException(
                        "the index " + dir + " holds vectors made without a model; open it as vectors");
            }
            if (!Integer.toString(dimension).equals(stored.get(DIMENSION))) {
                throw new Vit4jException("the index " + dir + " holds vectors of " + stored.get(DIMENSION)
                        + " values, not " + dimension);
            }
            return;
        }
        if (model == null && theirs != null) {
            throw new Vit4jException("the index " + dir + " belongs to a model (" + stored.get(MODEL)
                    + "); open it with" + " that model");
        }
        if (theirs == null) {
            throw new Vit4jException(dir + " is a Lucene index vit4j did not make (no model recorded)");
        }
        float[] a = parse(theirs);
        float[] b = parse(fingerprint);
        if (a.length != b.length || dot(a, b) < SAME_MODEL) {
            throw new Vit4jException(
                    "the index " + dir + " was made by another model (" + stored.get(MODEL) + "); this one is "
                            + model.config().name + " " + embedding.output().id());
        }
    }

    private static float[] parse(String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private float[] embed(Object image) {
        requireModel();
        return embedding.of(model.runAll(List.of(image), 1, false).get(0));
    }

    private void requireModel() {
        if (model == null) {
            throw new Vit4jException("the index " + dir + " holds vectors alone: it has no model to embed with");
        }
    }

    /**
     * What an index of {@code model} stores of each image: a two-tower model's joint-space embedding (so that a
     * sentence finds images), any other model's pre-logits features; L2-normalised. Who embeds elsewhere (Spark's
     * executors) embeds this way.
     */
    public static Embedding embeddingFor(ModelPipeline model) {
        return new Embedding(model.hasText() ? Embedding.Output.HEAD : Embedding.Output.PRE_LOGITS, true);
    }

    /** The normalised vector this index stores for a model's outputs of one image (its logits and pre-logits). */
    public float[] vectorOf(float[] logits, float[] preLogits) {
        requireModel();
        return embedding.of(logits, preLogits);
    }

    /** The model the index embeds with. */
    public ModelPipeline model() {
        return model;
    }

    private IndexWriter writer() {
        if (writer == null) {
            throw new Vit4jException("the index " + dir + " was opened for searching only");
        }
        return writer;
    }

    private static String key(Path image) {
        return image.toAbsolutePath().normalize().toString();
    }

    /**
     * Adds (or replaces) one image by its path; an image whose size and modification time are those stored is left as
     * it is (nothing re-embedded). Returns whether it was embedded.
     */
    public boolean add(Path image) {
        return update(List.of(image), List.of(), 1, null).embedded() == 1;
    }

    /**
     * Brings the index up to date with {@code images}: a file not in it, or whose size or modification time changed, is
     * hashed; a known content (the same SHA-256 under this or another path: a touched or moved file) keeps its vector,
     * anything else is embedded in batches of {@code batchSize}. Then every indexed path under one of {@code roots}
     * (folders, or files) that is not among {@code images} is removed (deleted from disk). Each batch is committed
     * before the next: a run killed half-way leaves what it had done, and the next run does the rest. Images that
     * cannot be read are told to {@code listener} (may be null) and left out.
     */
    public Update update(List<Path> images, List<Path> roots, int batchSize, Listener listener) {
        if (batchSize < 1) {
            throw new Vit4jException("batch size must be at least 1, not " + batchSize);
        }
        IndexWriter w = writer();
        requireModel();
        try {
            Set<String> wanted = new HashSet<>();
            List<Path> pending = new ArrayList<>();
            int unchanged = 0;
            int reused = 0;
            int removed = 0;
            Map<Path, String> hashes = new LinkedHashMap<>();
            // one point-in-time view for the whole scan: what this run writes meanwhile does not change it
            IndexSearcher s = acquireFresh();
            try {
                for (Path image : images) {
                    String path = key(image);
                    wanted.add(path);
                    long size;
                    long modified;
                    try {
                        size = Files.size(image);
                        modified = Files.getLastModifiedTime(image).toMillis();
                    } catch (IOException e) {
                        pending.add(image); // named by the pipeline as unreadable
                        continue;
                    }
                    Document doc = first(s, PATH, path);
                    if (doc != null
                            && doc.getField(SIZE).numericValue().longValue() == size
                            && doc.getField(MODIFIED).numericValue().longValue() == modified) {
                        unchanged++;
                        continue;
                    }
                    String sha;
                    try {
                        sha = Hashes.sha256(image);
                    } catch (UncheckedIOException e) {
                        pending.add(image);
                        continue;
                    }
                    float[] known = vectorWith(s, sha);
                    if (known != null) {
                        write(path, known, size, modified, sha);
                        reused++;
                    } else {
                        hashes.put(image, sha);
                        pending.add(image);
                    }
                }
                List<String> gone = new ArrayList<>();
                if (!roots.isEmpty()) {
                    forEachPath(s, path -> {
                        if (!wanted.contains(path) && underAny(path, roots)) {
                            gone.add(path);
                        }
                    });
                }
                for (String path : gone) {
                    w.deleteDocuments(new Term(PATH, path));
                }
                removed = gone.size();
            } finally {
                searchers.release(s);
            }
            commit();
            int embedded = 0;
            int unreadable = 0;
            for (int from = 0; from < pending.size(); from += batchSize) {
                List<Path> chunk = pending.subList(from, Math.min(pending.size(), from + batchSize));
                List<ModelPipeline.Outcome> outcomes = model.runEach(chunk, false);
                for (int i = 0; i < chunk.size(); i++) {
                    ModelPipeline.Outcome o = outcomes.get(i);
                    if (!o.ok()) {
                        unreadable++;
                        continue;
                    }
                    Path image = chunk.get(i);
                    String sha = hashes.containsKey(image) ? hashes.get(image) : Hashes.sha256(image);
                    write(
                            key(image),
                            embedding.of(o.outputs()),
                            Files.size(image),
                            Files.getLastModifiedTime(image).toMillis(),
                            sha);
                    embedded++;
                }
                commit();
                if (listener != null) {
                    listener.batch(chunk, outcomes, unchanged + reused + from + chunk.size(), images.size());
                }
            }
            return new Update(embedded, reused, unchanged, removed, unreadable);
        } catch (IOException e) {
            failed = true;
            throw new UncheckedIOException(e);
        }
    }

    private static boolean underAny(String path, List<Path> roots) {
        for (Path root : roots) {
            String r = key(root);
            if (path.equals(r) || path.startsWith(r.endsWith("/") ? r : r + "/")) {
                return true;
            }
        }
        return false;
    }

    private IndexSearcher acquireFresh() throws IOException {
        searchers.maybeRefreshBlocking();
        return searchers.acquire();
    }

    /** The stored fields of the first document whose {@code field} is {@code value}; null if none. */
    private static Document first(IndexSearcher s, String field, String value) throws IOException {
        TopDocs top = s.search(new TermQuery(new Term(field, value)), 1);
        return top.scoreDocs.length == 0 ? null : s.storedFields().document(top.scoreDocs[0].doc);
    }

    /** The vector of an image whose content has this SHA-256 (a touched, moved or copied file); null if none. */
    private static float[] vectorWith(IndexSearcher s, String sha256) throws IOException {
        TopDocs top = s.search(new TermQuery(new Term(SHA256, sha256)), 1);
        return top.scoreDocs.length == 0 ? null : vector(s, top.scoreDocs[0].doc);
    }

    private static float[] vector(IndexSearcher s, int doc) throws IOException {
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        LeafReaderContext ctx = leaves.get(ReaderUtil.subIndex(doc, leaves));
        FloatVectorValues values = ctx.reader().getFloatVectorValues(VECTOR);
        int local = doc - ctx.docBase;
        if (values == null || values.advance(local) != local) {
            return null;
        }
        return values.vectorValue().clone();
    }

    /**
     * Adds (or replaces) a vector under {@code path} (a file's path, or any name: the server's and Spark's images);
     * it is normalised here. {@code sha256} may be null.
     */
    public void add(String path, float[] vector, long size, long modified, String sha256) {
        if (vector.length != dimension) {
            throw new Vit4jException("a vector of " + vector.length + " values; this index holds " + dimension);
        }
        writer();
        try {
            write(path, ZeroShotClassifier.normalize(vector), size, modified, sha256);
        } catch (IOException e) {
            failed = true;
            throw new UncheckedIOException(e);
        }
    }

    /** Adds (or replaces) an image given as encoded bytes under {@code name}, modified now. */
    public void add(String name, byte[] encodedImage) {
        add(
                name,
                embed(new ModelPipeline.EncodedImage(name, encodedImage)),
                encodedImage.length,
                System.currentTimeMillis(),
                Hashes.sha256(encodedImage));
    }

    private void write(String path, float[] unit, long size, long modified, String sha256) throws IOException {
        Document doc = new Document();
        doc.add(new StringField(PATH, path, Field.Store.YES));
        doc.add(new SortedDocValuesField(PATH, new BytesRef(path)));
        doc.add(new KnnFloatVectorField(VECTOR, unit, VectorSimilarityFunction.DOT_PRODUCT));
        doc.add(new StoredField(SIZE, size));
        doc.add(new StoredField(MODIFIED, modified));
        doc.add(new LongPoint(MODIFIED, modified));
        if (sha256 != null) {
            doc.add(new StringField(SHA256, sha256, Field.Store.YES));
        }
        writer.updateDocument(new Term(PATH, path), doc);
    }

    /** Removes an image by the path it was added under; whether it was there. */
    public boolean remove(Path image) {
        return remove(key(image));
    }

    /** Removes an image by the name it was added under; whether it was there. */
    public boolean remove(String path) {
        IndexWriter w = writer();
        try {
            boolean there;
            IndexSearcher s = acquireFresh();
            try {
                there = s.count(new TermQuery(new Term(PATH, path))) > 0;
            } finally {
                searchers.release(s);
            }
            w.deleteDocuments(new Term(PATH, path));
            return there;
        } catch (IOException e) {
            failed = true;
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code k} images nearest to {@code vector} (normalised here), best first. */
    public List<Hit> search(float[] vector, int k) {
        return search(vector, k, Filter.NONE, k);
    }

    /**
     * The {@code k} images nearest to {@code vector} (normalised here) that pass {@code filter}, best first, the graph
     * searched with {@code candidates} (≥ k; HNSW's ef: more finds more of the true nearest, slower).
     */
    public List<Hit> search(float[] vector, int k, Filter filter, int candidates) {
        if (k < 1) {
            throw new Vit4jException("k must be at least 1, not " + k);
        }
        if (vector.length != dimension) {
            throw new Vit4jException("a query of " + vector.length + " values; this index holds " + dimension);
        }
        try {
            refresh();
            IndexSearcher s = searchers.acquire();
            try {
                float[] unit = ZeroShotClassifier.normalize(vector);
                // Lucene allocates its candidate queue at the size asked for: never more than the index holds
                int held = Math.max(1, s.getIndexReader().numDocs());
                int kept = Math.min(Math.max(k, candidates), held);
                Query q = new KnnFloatVectorQuery(VECTOR, unit, kept, filter.query());
                List<LeafReaderContext> leaves = s.getIndexReader().leaves();
                List<Hit> hits = new ArrayList<>(Math.min(k, held));
                if (int8) {
                    // the graph walked with int8 distances; its candidates ranked again by the float32 vectors
                    // Lucene keeps beside them, so quantization costs speed, not recall (what Lucene 10's
                    // RescoreTopNQuery does)
                    ScoreDoc[] rescored = rescore(leaves, s.search(q, kept).scoreDocs, unit);
                    for (int i = 0; i < Math.min(k, rescored.length); i++) {
                        hits.add(new Hit(path(leaves, rescored[i].doc), rescored[i].score));
                    }
                    return hits;
                }
                for (ScoreDoc d : s.search(q, k).scoreDocs) {
                    // Lucene scores a dot product d as (1 + d) / 2
                    hits.add(new Hit(path(leaves, d.doc), 2 * d.score - 1));
                }
                return hits;
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sees what was added since the last search: a writer's own additions at once (near-real-time, a cheap check), a
     * reader's other process's commits within a second (each check lists the folder, too dear for every query).
     */
    private void refresh() throws IOException {
        long now = System.nanoTime();
        if (writer != null || now - lastRefresh > REFRESH_NANOS) {
            lastRefresh = now;
            searchers.maybeRefresh();
        }
    }

    /** The hits scored again by their float32 vectors (the exact cosine), best first. */
    private static ScoreDoc[] rescore(List<LeafReaderContext> leaves, ScoreDoc[] hits, float[] query)
            throws IOException {
        ScoreDoc[] byDoc = hits.clone();
        java.util.Arrays.sort(byDoc, (a, b) -> Integer.compare(a.doc, b.doc));
        FloatVectorValues values = null;
        int leaf = -1;
        for (ScoreDoc d : byDoc) {
            int l = ReaderUtil.subIndex(d.doc, leaves);
            if (l != leaf) {
                leaf = l;
                values = leaves.get(l).reader().getFloatVectorValues(VECTOR);
            }
            int local = d.doc - leaves.get(l).docBase;
            d.score = values != null && values.advance(local) == local
                    ? org.apache.lucene.util.VectorUtil.dotProduct(query, values.vectorValue())
                    : 2 * d.score - 1;
        }
        java.util.Arrays.sort(byDoc, (a, b) -> Float.compare(b.score, a.score));
        return byDoc;
    }

    /**
     * A hit's path from its doc values: a few array reads, where the stored fields would decompress a block of
     * documents per hit (a third of a query's time at small k).
     */
    private static String path(List<LeafReaderContext> leaves, int doc) throws IOException {
        LeafReaderContext ctx = leaves.get(ReaderUtil.subIndex(doc, leaves));
        int local = doc - ctx.docBase;
        SortedDocValues paths = ctx.reader().getSortedDocValues(PATH);
        if (paths != null && paths.advanceExact(local)) {
            return paths.lookupOrd(paths.ordValue()).utf8ToString();
        }
        return ctx.reader().storedFields().document(local).get(PATH);
    }

    /** The {@code k} images most like {@code image} (anything {@link ModelPipeline#runAll} takes). */
    public List<Hit> searchImage(Object image, int k) {
        return search(embed(image), k);
    }

    /** The {@code k} images a sentence describes best (a two-tower model: CLIP, SigLIP). */
    public List<Hit> searchText(String text, int k) {
        return search(textVector(text), k);
    }

    /** A sentence's normalised embedding in this index's space (a two-tower model: CLIP, SigLIP). */
    public float[] textVector(String text) {
        requireModel();
        model.requireText();
        return model.embedTexts(List.of(text), 1, true).get(0);
    }

    /** An image's normalised embedding in this index's space. */
    public float[] imageVector(Object image) {
        return embed(image);
    }

    /**
     * Groups of near-duplicates: each image joined to its {@code neighbours} nearest whose cosine is at least {@code
     * threshold}, the joins closed transitively (union-find). Each group in path order, each member scored by its
     * best similarity inside the group; the largest groups first. Images with no such neighbour are in no group.
     */
    public List<List<Hit>> duplicates(double threshold, int neighbours) {
        if (neighbours < 1) {
            throw new Vit4jException("neighbours must be at least 1, not " + neighbours);
        }
        // the paths held, the vectors streamed: a million images' vectors need not be in memory at once
        List<String> paths = paths();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < paths.size(); i++) {
            ids.put(paths.get(i), i);
        }
        int[] parent = new int[paths.size()];
        float[] best = new float[paths.size()];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
            best[i] = Float.NEGATIVE_INFINITY;
        }
        forEachVector((path, vector) -> {
            Integer i = ids.get(path);
            if (i == null) {
                return; // added since the paths were read
            }
            for (Hit h : search(vector, neighbours + 1, Filter.NONE, Math.max(neighbours + 1, 32))) {
                Integer j = ids.get(h.path());
                if (j == null || j.equals(i) || h.score() < threshold) {
                    continue;
                }
                best[i] = Math.max(best[i], h.score());
                best[j] = Math.max(best[j], h.score());
                parent[root(parent, i)] = root(parent, j);
            }
        });
        Map<Integer, List<Hit>> groups = new HashMap<>();
        for (int i = 0; i < paths.size(); i++) {
            if (best[i] > Float.NEGATIVE_INFINITY) {
                groups.computeIfAbsent(root(parent, i), r -> new ArrayList<>()).add(new Hit(paths.get(i), best[i]));
            }
        }
        List<List<Hit>> out = new ArrayList<>(groups.values());
        for (List<Hit> g : out) {
            g.sort((a, b) -> a.path().compareTo(b.path()));
        }
        out.sort((a, b) -> a.size() != b.size()
                ? Integer.compare(b.size(), a.size())
                : a.get(0).path().compareTo(b.get(0).path()));
        return out;
    }

    private static int root(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    /** Every image's path and stored (normalised) vector, as of now. */
    public void forEachVector(BiConsumer<String, float[]> each) {
        try {
            IndexSearcher s = acquireFresh();
            try {
                List<LeafReaderContext> leaves = s.getIndexReader().leaves();
                for (LeafReaderContext ctx : leaves) {
                    FloatVectorValues values = ctx.reader().getFloatVectorValues(VECTOR);
                    if (values == null) {
                        continue;
                    }
                    Bits live = ctx.reader().getLiveDocs();
                    for (int doc = values.nextDoc(); doc != FloatVectorValues.NO_MORE_DOCS; doc = values.nextDoc()) {
                        if (live == null || live.get(doc)) {
                            each.accept(
                                    path(leaves, ctx.docBase + doc),
                                    values.vectorValue().clone());
                        }
                    }
                }
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The paths (names) of every image in the index, as of now. */
    public List<String> paths() {
        List<String> out = new ArrayList<>();
        try {
            IndexSearcher s = acquireFresh();
            try {
                forEachPath(s, out::add);
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The path of every live document the searcher sees. */
    private static void forEachPath(IndexSearcher s, java.util.function.Consumer<String> each) throws IOException {
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        for (LeafReaderContext ctx : leaves) {
            Bits live = ctx.reader().getLiveDocs();
            for (int doc = 0; doc < ctx.reader().maxDoc(); doc++) {
                if (live == null || live.get(doc)) {
                    each.accept(path(leaves, ctx.docBase + doc));
                }
            }
        }
    }

    /** The length of the vectors this index holds. */
    public int dimension() {
        return dimension;
    }

    /** How the index was created: its graph's settings. */
    public Settings settings() {
        return settings(record);
    }

    /** How the index's model was loaded, when the index was made with one recorded. */
    public Origin origin() {
        return origin(record);
    }

    /** Images in the index, as of now (committed or not). */
    public int size() {
        try {
            IndexSearcher s = acquireFresh();
            try {
                return s.getIndexReader().numDocs();
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes what was added and removed durable: what a crash after this leaves. A failure (a full disk) leaves the
     * previous commit as the index, and this writer closed.
     */
    public void commit() {
        IndexWriter w = writer();
        try {
            w.setLiveCommitData(record.entrySet());
            w.commit();
            searchers.maybeRefresh();
        } catch (IOException e) {
            failed = true;
            throw new UncheckedIOException(e);
        }
    }

    /** Merges the index into one segment: one HNSW graph to search instead of one per segment (fastest queries). */
    public void optimize() {
        try {
            writer().forceMerge(1);
            commit();
        } catch (IOException e) {
            failed = true;
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the index; what was not committed is committed first (a writer), unless the writer failed. */
    @Override
    public void close() {
        try {
            searchers.close();
            if (writer != null) {
                if (!failed && writer.isOpen() && writer.getTragicException() == null) {
                    writer.setLiveCommitData(record.entrySet());
                    writer.close();
                } else {
                    writer.rollback();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            shutdownMergers();
            close(directory);
        }
    }

    private void shutdownMergers() {
        if (mergers != null) {
            mergers.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "VitIndex(%s, %d values)", record.get(MODEL), dimension);
    }
}
