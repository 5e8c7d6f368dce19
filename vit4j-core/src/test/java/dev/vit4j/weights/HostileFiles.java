package dev.vit4j.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Weights files made to hurt, for the readers' tests and the server's. */
public final class HostileFiles {
    private HostileFiles() {}

    /**
     * A Google ViT {@code .npz} whose arrays ({@code names}, float32, {@code bytes} each) are zeros deflated at
     * {@code level}: a file a few hundred times smaller than what it declares.
     */
    public static Path npzOfZeros(Path file, List<String> names, long bytes, int level) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.setLevel(level);
            byte[] zeros = new byte[1 << 20];
            for (String name : names) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(npyHeader("<f4", "(" + bytes / 4 + ",)"));
                for (long written = 0; written < bytes; written += zeros.length) {
                    zip.write(zeros);
                }
                zip.closeEntry();
            }
        }
        return file;
    }

    /** As {@link #npzOfZeros} at deflate's fastest level. */
    public static Path npzOfZeros(Path file, List<String> names, long bytes) throws IOException {
        return npzOfZeros(file, names, bytes, Deflater.BEST_SPEED);
    }

    /** A {@code .npy} header (version 1.0) for {@code dtype} and {@code shape}, padded to 64 bytes as numpy does. */
    public static byte[] npyHeader(String dtype, String shape) {
        String dict = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape + ", }";
        dict = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + dict.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93)
                .put("NUMPY".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 1)
                .put((byte) 0);
        b.putShort((short) dict.length()).put(dict.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
