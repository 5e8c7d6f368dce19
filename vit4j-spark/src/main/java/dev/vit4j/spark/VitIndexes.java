package dev.vit4j.spark;

import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.search.VitIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * vit4j's vector index ({@link VitIndex}: Apache Lucene HNSW) from Spark: images embedded on the executors by a {@link
 * VitPredictor}, as its {@code embedding} column, the vectors then written — or searched — on the driver.
 * <pre>{@code
 * Dataset<Row> photos = spark.read().format("binaryFile").load("photos/");   // path, modificationTime, length, content
 * VitPredictor clip = new VitPredictor().setModel("timm/ViT-B-16-SigLIP").setPathCol("path");
 * VitIndexes.build(photos, clip, "/data/photos-index");                      // add or replace by path
 * Dataset<Row> near = VitIndexes.search(queries, clip, "/data/photos-index", 10);
 * }</pre>
 * One writer, on the driver: the partitions' vectors stream to it ({@code toLocalIterator}, one partition in memory
 * at a time) and it commits every 10 000 images. Per-partition Lucene indexes merged afterwards were
 * weighed and not chosen: Lucene rebuilds the HNSW graph of merged segments by inserting the smaller ones' vectors
 * again, so the executors' graph building would be mostly redone on the driver, and each executor's index would have
 * to be shipped to the driver's file system first; the embedding, which is the expensive part (milliseconds per image
 * against tens of microseconds to insert a vector), is what runs distributed.
 */
public final class VitIndexes {
    static final int COMMIT_EVERY = 10_000;

    private VitIndexes() {}

    /** What {@link #build} did. */
    public record Built(long added, long failed, int images) {}

    /**
     * Adds (or replaces, by path) every readable image of {@code images} to the index in {@code indexDir} (created
     * when absent, recording the predictor's model). The predictor's {@code pathCol} names each image; a {@code
     * length} and {@code modificationTime} column (the binaryFile source's) are stored when present. Images that cannot
     * be read are counted, not added.
     */
    public static Built build(Dataset<Row> images, VitPredictor predictor, String indexDir) {
        Setup s = setup(predictor, images.schema());
        long added = 0;
        long failed = 0;
        ModelPipeline model = s.driverModel();
        try (VitIndex index = VitIndex.open(Path.of(indexDir), model, VitIndex.Settings.DEFAULTS, s.origin())) {
            Dataset<Row> embedded = s.embedding(model).transform(images);
            StructType schema = embedded.schema();
            int path = schema.fieldIndex(s.pathCol);
            int vector = schema.fieldIndex(VitPredictor.EMBEDDING);
            int error = schema.fieldIndex(VitPredictor.ERROR);
            int length = Arrays.asList(schema.fieldNames()).indexOf("length");
            int modified = Arrays.asList(schema.fieldNames()).indexOf("modificationTime");
            Iterator<Row> rows = embedded.toLocalIterator();
            while (rows.hasNext()) {
                Row r = rows.next();
                if (!r.isNullAt(error) || r.isNullAt(vector)) {
                    failed++;
                    continue;
                }
                index.add(
                        localPath(r.getString(path)),
                        floats(r.getList(vector)),
                        length < 0 || r.isNullAt(length) ? 0 : r.getLong(length),
                        modified < 0 || r.isNullAt(modified)
                                ? System.currentTimeMillis()
                                : r.getTimestamp(modified).getTime(),
                        null);
                if (++added % COMMIT_EVERY == 0) {
                    index.commit();
                }
            }
            index.commit();
            return new Built(added, failed, index.size());
        }
    }

    /**
     * The {@code k} nearest images in the index for each image of {@code queries}: rows of the query's {@code pathCol},
     * {@code rank} (1 is nearest), the hit's path ({@code hit_path}) and its cosine {@code score}; a query that cannot be read
     * has no rows. The queries are embedded on the executors, searched on the driver.
     */
    public static Dataset<Row> search(Dataset<Row> queries, VitPredictor predictor, String indexDir, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, not " + k);
        }
        Setup s = setup(predictor, queries.schema());
        List<Row> out = new ArrayList<>();
        StructType schema;
        ModelPipeline model = s.driverModel();
        try (VitIndex index = VitIndex.openForSearch(Path.of(indexDir), model)) {
            Dataset<Row> embedded = s.embedding(model).transform(queries);
            schema = embedded.schema();
            int path = schema.fieldIndex(s.pathCol);
            int vector = schema.fieldIndex(VitPredictor.EMBEDDING);
            Iterator<Row> rows = embedded.toLocalIterator();
            while (rows.hasNext()) {
                Row r = rows.next();
                if (r.isNullAt(vector)) {
                    continue;
                }
                int rank = 1;
                for (VitIndex.Hit h : index.search(floats(r.getList(vector)), k)) {
                    out.add(RowFactory.create(r.get(path), rank++, h.path(), h.score()));
                }
            }
        }
        StructType result = new StructType()
                .add(s.pathCol, schema.apply(s.pathCol).dataType(), true)
                .add("rank", DataTypes.IntegerType, false)
                .add("hit_path", DataTypes.StringType, false)
                .add("score", DataTypes.FloatType, false);
        return SparkSession.active().createDataFrame(out, result);
    }

    private record Setup(VitPredictor predictor, String pathCol, String model, String engine) {
        /** A copy of the predictor that outputs only what an index of {@code driverModel} stores. */
        VitPredictor embedding(ModelPipeline driverModel) {
            VitPredictor copy = (VitPredictor) predictor.copy(new org.apache.spark.ml.param.ParamMap());
            copy.setOutputCols(VitPredictor.EMBEDDING)
                    .setEmbeddingOutput(
                            VitIndex.embeddingFor(driverModel).output().id())
                    .setNormalizeEmbedding(true)
                    .setFailOnError(false);
            return copy;
        }

        /** The model on the driver, as an executor holds it (kept for the JVM's life; in local mode, shared). */
        ModelPipeline driverModel() {
            return ExecutorModels.get(new ExecutorModels.Key(model, engine, 1));
        }

        /** How the CLI loads this model again: a local model directory as weights, a Hub name as the model. */
        VitIndex.Origin origin() {
            Path p = Path.of(model);
            return Files.isDirectory(p)
                    ? new VitIndex.Origin(null, p.toAbsolutePath().normalize().toString(), null, false, null)
                    : new VitIndex.Origin(model, null, null, false, null);
        }
    }

    private static Setup setup(VitPredictor predictor, StructType schema) {
        String pathCol = predictor.getOrDefault(predictor.pathCol());
        if (!Arrays.asList(schema.fieldNames()).contains(pathCol)) {
            throw new IllegalArgumentException("VitIndexes: the predictor's pathCol '" + pathCol
                    + "' names each image in the index; have " + schema.simpleString());
        }
        String model = predictor.getOrDefault(predictor.model());
        String engine = predictor.getOrDefault(predictor.engine());
        return new Setup(predictor, pathCol, model, engine);
    }

    /** A {@code file:} URI (the binaryFile source's paths) as the local path the command line indexes under. */
    static String localPath(String path) {
        if (path.startsWith("file:")) {
            try {
                return Path.of(java.net.URI.create(path)).toString();
            } catch (IllegalArgumentException e) {
                return path;
            }
        }
        return path;
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
