package dev.vit4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

/**
 * Saving and loading a {@link ModelStage} ({@link VitPredictor}, {@link TextEmbedder}), alone or as a stage of a saved {@code PipelineModel}: its params as
 * Spark's {@code DefaultParamsWriter} writes them ({@code metadata/}), and, when its model is a local directory, a copy
 * of the model's files in {@code model/}, so that the saved pipeline works on another cluster where that directory
 * does not exist. A Hub name is saved as the name. Any Hadoop file system (HDFS, S3A, local) can hold it.
 */
final class ModelStagePersistence {
    private static final String MODEL_DIR = "model";
    private static final String METADATA_DIR = "metadata";

    private ModelStagePersistence() {}

    static final class Writer extends MLWriter {
        private final ModelStage instance;

        Writer(ModelStage instance) {
            this.instance = instance;
        }

        /** The model's copy first, the metadata last: a save cut short has no metadata and cannot be loaded. */
        @Override
        public void saveImpl(String path) {
            try {
                Path root = new Path(path);
                FileSystem fs = root.getFileSystem(sc().hadoopConfiguration());
                List<java.nio.file.Path> files = ModelShipping.modelFiles(instance.getModel());
                if (files != null) {
                    for (java.nio.file.Path f : files) {
                        fs.copyFromLocalFile(
                                false,
                                true,
                                new Path(f.toUri()),
                                new Path(
                                        new Path(root, MODEL_DIR),
                                        f.getFileName().toString()));
                    }
                }
                Path staging = new Path(root, "_metadata-staging");
                new DefaultParamsWriter(instance).session(sparkSession()).save(staging.toString());
                if (!fs.rename(new Path(staging, METADATA_DIR), new Path(root, METADATA_DIR))) {
                    throw new IOException("cannot move " + staging + "/" + METADATA_DIR + " into " + root);
                }
                fs.delete(staging, true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot save the stage to " + path, e);
            }
        }
    }

    static final class Reader<T extends ModelStage> extends MLReader<T> {
        @Override
        public T load(String path) {
            T stage = new DefaultParamsReader<T>().session(sparkSession()).load(path);
            Path saved = new Path(path, MODEL_DIR);
            try {
                FileSystem fs = saved.getFileSystem(sc().hadoopConfiguration());
                if (fs.exists(saved)) {
                    stage.setModel(onThisMachine(fs, saved));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the saved model " + saved, e);
            }
            return stage;
        }

        /** The saved model as a local directory: where it is, or a copy for this driver (which ships it on). */
        private static String onThisMachine(FileSystem fs, Path saved) throws IOException {
            Path qualified = fs.makeQualified(saved);
            if ("file".equals(qualified.toUri().getScheme())) {
                return java.nio.file.Path.of(qualified.toUri()).toString();
            }
            java.nio.file.Path local = Files.createTempDirectory("vit4j-saved-model");
            fs.copyToLocalFile(false, saved, new Path(local.toUri()), true);
            java.nio.file.Path copy = local.resolve(saved.getName());
            local.toFile().deleteOnExit();
            copy.toFile().deleteOnExit();
            try (var s = Files.list(copy)) {
                s.forEach(f -> f.toFile().deleteOnExit());
            }
            return copy.toString();
        }
    }
}
