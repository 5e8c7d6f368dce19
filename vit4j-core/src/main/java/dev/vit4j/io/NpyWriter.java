package dev.vit4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** A float32 matrix as numpy's {@code .npy} (version 1.0, little-endian, C order), written atomically. */
public final class NpyWriter {
    private NpyWriter() {}

    public static void write(Path target, List<float[]> rows, int columns) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows.size() + ", " + columns + "), }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n"; // data 64-byte aligned, as numpy writes
        AtomicFiles.write(target, out -> {
            out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(header.length() & 0xff);
            out.write(header.length() >> 8);
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer b = ByteBuffer.allocate(columns * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] row : rows) {
                if (row.length != columns) {
                    throw new IllegalArgumentException("row of " + row.length + " values, expected " + columns);
                }
                b.clear();
                b.asFloatBuffer().put(row);
                out.write(b.array());
            }
        });
    }
}
