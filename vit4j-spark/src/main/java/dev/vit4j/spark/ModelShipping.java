package dev.vit4j.spark;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkFiles;

/**
 * A model directory on the driver, made available on every executor: its files (for a {@code vit4j train} run, those
 * of {@code best/}) zipped once and sent with {@code SparkContext.addArchive}, which every executor fetches and unpacks
 * once. (Spark's {@code addFile} refuses directories outside local mode.) Hub names and paths that are not local
 * directories are left as they are: executors resolve those themselves.
 */
final class ModelShipping {
    private ModelShipping() {}

    /**
     * The files that make up a model given as a local directory (for a {@code vit4j train} run, those of
     * {@code best/}), sorted; null when the model is not a local directory (a Hub name, a remote path).
     */
    static List<Path> modelFiles(String model) {
        Path dir = Path.of(model);
        if (!Files.isDirectory(dir)) {
            return null;
        }
        if (!Files.exists(dir.resolve("model.safetensors"))
                && Files.isRegularFile(dir.resolve("best/model.safetensors"))) {
            dir = dir.resolve("best");
        }
        try (Stream<Path> s = Files.list(dir)) {
            // Hidden files are no model's: Hadoop's .crc checksums in a saved predictor's copy, for one.
            return s.filter(f -> Files.isRegularFile(f)
                            && !f.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the model directory " + dir, e);
        }
    }

    /** The archive's name to find it by on executors, or null when nothing is shipped. */
    static String ship(SparkContext sc, String model) {
        List<Path> files = modelFiles(model);
        if (files == null) {
            return null;
        }
        try {
            CRC32 crc = new CRC32();
            for (Path f : files) {
                crc.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                crc.update(Long.toString(Files.size(f)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                crc.update(Long.toString(Files.getLastModifiedTime(f).toMillis())
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            String name = "vit4j-model-" + Long.toHexString(crc.getValue()) + ".zip";
            if (sc.listArchives().exists(a -> a.endsWith("/" + name))) {
                return name; // this application already ships it
            }
            Path zip = Files.createTempDirectory("vit4j-spark").resolve(name);
            try (OutputStream out = Files.newOutputStream(zip);
                    ZipOutputStream z = new ZipOutputStream(out)) {
                for (Path f : files) {
                    z.putNextEntry(new ZipEntry(f.getFileName().toString()));
                    Files.copy(f, z);
                    z.closeEntry();
                }
            }
            zip.toFile().deleteOnExit();
            zip.getParent().toFile().deleteOnExit();
            sc.addArchive(zip.toString());
            return name;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot ship the model directory " + model, e);
        }
    }

    /** On an executor: where the shipped model was unpacked, or the model as given. */
    static String local(String model, String shipped) {
        if (shipped == null) {
            return model;
        }
        Path unpacked = Path.of(SparkFiles.get(shipped));
        if (!Files.isDirectory(unpacked)) {
            throw new Vit4jException("the shipped model " + shipped + " is not on this executor (" + unpacked + ")");
        }
        return unpacked.toString();
    }
}
