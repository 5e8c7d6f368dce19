package dev.vit4j.search;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.ZeroShotClassifier;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;

/**
 * Images searchable by example or by sentence: each image's normalised embedding (a two-tower model's joint-space
 * image embedding, or another model's features, DINOv2's) in an Apache Lucene index, searched with Lucene's HNSW
 * graph by dot product, beside the image's path, size and modification time. An index belongs to the model that made
 * it: its fingerprint (the normalised embedding of a fixed probe image) is stored with every commit, and another
 * model is refused with one line. Searches may run while one thread adds; what is added is searchable after {@link
 * #commit} (and kept when the process ends only then: Lucene's last commit is what a crash leaves).
 */
public final class VitIndex implements AutoCloseable {
    /** One result: the image's path and its cosine similarity to the query. */
    public record Hit(String path, float score) {}

    static final String PATH = "path";
    static final String VECTOR = "vector";
    static final String SIZE = "size";
    static final String MODIFIED = "modified";
    private static final String MODEL = "vit4j.model";
    private static final String FINGERPRINT = "vit4j.fingerprint";
    /** Two runs of one model agree far above this (float32 and int8 engines too); two models fall far below. */
    private static final double SAME_MODEL = 0.99;

    private final ModelPipeline model;
    private final Embedding embedding;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final Map<String, String> identity;
    private final int dimension;

    private VitIndex(ModelPipeline model, Path dir) throws IOException {
        this.model = model;
        this.embedding = new Embedding(model.hasText() ? Embedding.Output.HEAD : Embedding.Output.PRE_LOGITS, true);
        this.identity = identity();
        this.dimension = parse(identity.get(FINGERPRINT)).length;
        Files.createDirectories(dir);
        this.directory = FSDirectory.open(dir);
        IndexWriter w;
        try {
            w = new IndexWriter(
                    directory, new IndexWriterConfig().setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND));
        } catch (LockObtainFailedException e) {
            directory.close();
            throw new Vit4jException(
                    "the index " + dir + " is being written by another writer (its write.lock is held)");
        } catch (IOException | IllegalArgumentException e) {
            directory.close();
            throw new Vit4jException("the index " + dir + " cannot be opened: " + e.getMessage());
        }
        this.writer = w;
        try {
            checkModel(dir);
            this.searchers = new SearcherManager(writer, null);
        } catch (RuntimeException | IOException e) {
            writer.rollback();
            directory.close();
            throw e;
        }
    }

    /**
     * The index in {@code dir} (created when absent) for {@code model}, which embeds its images and queries; an index
     * made by another model is refused.
     */
    public static VitIndex open(Path dir, ModelPipeline model) {
        try {
            return new VitIndex(model, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> identity() {
        Map<String, String> id = new HashMap<>();
        id.put(MODEL, model.config().name + " " + embedding.output().id());
        StringBuilder probe = new StringBuilder();
        for (float v : embed(probeImage())) {
            probe.append(probe.length() == 0 ? "" : ",").append(v);
        }
        id.put(FINGERPRINT, probe.toString());
        return id;
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

    private void checkModel(Path dir) throws IOException {
        if (!DirectoryReader.indexExists(directory)) {
            writer.setLiveCommitData(identity.entrySet());
            writer.commit();
            return;
        }
        Map<String, String> stored = new HashMap<>();
        writer.getLiveCommitData().forEach(e -> stored.put(e.getKey(), e.getValue()));
        String fingerprint = stored.get(FINGERPRINT);
        if (fingerprint == null) {
            throw new Vit4jException(dir + " is a Lucene index vit4j did not make (no model recorded)");
        }
        float[] theirs = parse(fingerprint);
        float[] mine = parse(identity.get(FINGERPRINT));
        if (theirs.length != mine.length || dot(theirs, mine) < SAME_MODEL) {
            throw new Vit4jException("the index " + dir + " was made by another model (" + stored.get(MODEL)
                    + "); this one is " + identity.get(MODEL));
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
        return embedding.of(model.runAll(List.of(image), 1, false).get(0));
    }

    /**
     * Adds (or replaces) an image by its path; an image whose size and modification time are those stored is left as
     * it is (nothing re-embedded). Returns whether it was embedded.
     */
    public boolean add(Path image) {
        try {
            String path = image.toAbsolutePath().normalize().toString();
            long size = Files.size(image);
            long modified = Files.getLastModifiedTime(image).toMillis();
            Document known = stored(path);
            if (known != null
                    && known.getField(SIZE).numericValue().longValue() == size
                    && known.getField(MODIFIED).numericValue().longValue() == modified) {
                return false;
            }
            add(path, embed(image), size, modified);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds (or replaces) a vector under {@code path}; it is normalised here. */
    public void add(String path, float[] vector, long size, long modified) {
        if (vector.length != dimension()) {
            throw new Vit4jException("a vector of " + vector.length + " values; this index holds " + dimension());
        }
        Document doc = new Document();
        doc.add(new StringField(PATH, path, Field.Store.YES));
        doc.add(new KnnFloatVectorField(
                VECTOR, ZeroShotClassifier.normalize(vector), VectorSimilarityFunction.DOT_PRODUCT));
        doc.add(new StoredField(SIZE, size));
        doc.add(new StoredField(MODIFIED, modified));
        doc.add(new LongPoint(MODIFIED, modified));
        try {
            writer.updateDocument(new Term(PATH, path), doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes an image by the path it was added under; whether it was there. */
    public boolean remove(Path image) {
        String path = image.toAbsolutePath().normalize().toString();
        try {
            boolean there = stored(path) != null;
            writer.deleteDocuments(new Term(PATH, path));
            return there;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Document stored(String path) throws IOException {
        searchers.maybeRefreshBlocking();
        IndexSearcher s = searchers.acquire();
        try {
            TopDocs top = s.search(new TermQuery(new Term(PATH, path)), 1);
            return top.scoreDocs.length == 0 ? null : s.storedFields().document(top.scoreDocs[0].doc);
        } finally {
            searchers.release(s);
        }
    }

    /** The {@code k} images nearest to {@code vector} (normalised here), best first. */
    public List<Hit> search(float[] vector, int k) {
        if (k < 1) {
            throw new Vit4jException("k must be at least 1, not " + k);
        }
        if (vector.length != dimension()) {
            throw new Vit4jException("a query of " + vector.length + " values; this index holds " + dimension());
        }
        try {
            searchers.maybeRefresh();
            IndexSearcher s = searchers.acquire();
            try {
                TopDocs top = s.search(new KnnFloatVectorQuery(VECTOR, ZeroShotClassifier.normalize(vector), k), k);
                List<Hit> hits = new ArrayList<>(top.scoreDocs.length);
                for (ScoreDoc d : top.scoreDocs) {
                    // Lucene scores a dot product d as (1 + d) / 2
                    hits.add(new Hit(s.storedFields().document(d.doc).get(PATH), 2 * d.score - 1));
                }
                return hits;
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code k} images most like {@code image} (anything {@link ModelPipeline#runAll} takes). */
    public List<Hit> searchImage(Object image, int k) {
        return search(embed(image), k);
    }

    /** The {@code k} images a sentence describes best (a two-tower model: CLIP, SigLIP). */
    public List<Hit> searchText(String text, int k) {
        return search(model.embedTexts(List.of(text), 1, true).get(0), k);
    }

    /** The length of the vectors this index holds. */
    public int dimension() {
        return dimension;
    }

    /** Images in the index, as of its last refresh. */
    public int size() {
        try {
            searchers.maybeRefreshBlocking();
            IndexSearcher s = searchers.acquire();
            try {
                return s.getIndexReader().numDocs();
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes what was added and removed durable: what a crash after this leaves. */
    public void commit() {
        try {
            writer.setLiveCommitData(identity.entrySet());
            writer.commit();
            searchers.maybeRefresh();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            searchers.close();
            writer.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "VitIndex(%s, %d values)", identity.get(MODEL), dimension());
    }
}
