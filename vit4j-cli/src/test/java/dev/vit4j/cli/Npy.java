package dev.vit4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The 2-D float32 .npy files {@code vit4j embed} writes, read back. */
final class Npy {
    private Npy() {}

    static float[][] read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        b.position(8);
        int headerLength = Short.toUnsignedInt(b.getShort());
        byte[] header = new byte[headerLength];
        b.get(header);
        String h = new String(header, StandardCharsets.US_ASCII);
        Matcher m = Pattern.compile("'shape': \\((\\d+), (\\d+)\\)").matcher(h);
        if (!h.contains("'<f4'") || !m.find()) {
            throw new IOException("not a 2-D float32 .npy: " + h);
        }
        int rows = Integer.parseInt(m.group(1));
        int cols = Integer.parseInt(m.group(2));
        float[][] out = new float[rows][cols];
        for (float[] row : out) {
            b.asFloatBuffer().get(row);
            b.position(b.position() + 4 * cols);
        }
        return out;
    }
}
