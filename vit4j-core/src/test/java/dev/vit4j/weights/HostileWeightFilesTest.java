package dev.vit4j.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Vit4jException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weight files made to hurt: bombs that declare more than memory, strides that wrap around. */
class HostileWeightFilesTest {
    @TempDir
    Path dir;

    /**
     * A Google ViT .npz whose three arrays inflate to 400 MB each from about 1 MB of zeros (the test JVM has a 1 GB
     * heap): refused from the declared sizes before inflating, one line, no OutOfMemoryError.
     */
    @Test
    void anNpzDeclaringMoreThanMemoryIsRefusedBeforeInflating() throws IOException {
        Path npz = dir.resolve("bomb.npz");
        long elements = 100L << 20;
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            zip.setLevel(Deflater.BEST_COMPRESSION);
            for (String name : new String[] {"embedding/kernel.npy", "embedding/bias.npy", "cls.npy"}) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(npyHeader("<f4", "(" + elements + ",)"));
                byte[] zeros = new byte[1 << 20];
                for (long written = 0; written < elements * 4; written += zeros.length) {
                    zip.write(zeros);
                }
                zip.closeEntry();
            }
        }
        assertTrue(Files.size(npz) < 8 << 20, "a small file: " + Files.size(npz));
        Vit4jException e = assertThrows(Vit4jException.class, () -> WeightFiles.open(npz));
        assertTrue(e.getMessage().contains("bomb.npz") && e.getMessage().contains("refused"), e.getMessage());
    }

    private static byte[] npyHeader(String dtype, String shape) {
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

    /**
     * A torch.save zip whose tensor of 4 elements has a stride of 2^62: (4 - 1) × 2^62 wraps around a long, and the
     * bounds check passed, reading element 0 four times. Now: reaches past its storage.
     */
    @Test
    void aStrideThatWrapsAroundIsRefused() throws IOException {
        Path pth = dir.resolve("wrap.pth");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(pth))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle(1L << 62));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("archive/data/0"));
            zip.write(new byte[16]);
            zip.closeEntry();
        }
        Vit4jException e = assertThrows(Vit4jException.class, () -> {
            try (TensorSource t = WeightFiles.open(pth)) {
                t.floats("w");
            }
        });
        assertTrue(e.getMessage().contains("reaches past its storage"), e.getMessage());
    }

    /** {'w': torch._utils._rebuild_tensor_v2(FloatStorage '0' of 4, 0, (4,), (stride,), False, OrderedDict())}. */
    private static byte[] pickle(long stride) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.write('}');
        unicode(p, "w");
        ascii(p, "ctorch._utils\n_rebuild_tensor_v2\n(");
        ascii(p, "(");
        unicode(p, "storage");
        ascii(p, "ctorch\nFloatStorage\n");
        unicode(p, "0");
        unicode(p, "cpu");
        p.write('K');
        p.write(4);
        ascii(p, "tQ");
        p.write('K');
        p.write(0);
        p.write('K');
        p.write(4);
        p.write(0x85);
        p.write(0x8a);
        p.write(8);
        p.writeBytes(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(stride)
                .array());
        p.write(0x85);
        p.write(0x89);
        ascii(p, "ccollections\nOrderedDict\n)R");
        ascii(p, "tRs.");
        return p.toByteArray();
    }

    private static void unicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.writeBytes(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(b.length)
                .array());
        p.writeBytes(b);
    }

    private static void ascii(OutputStream p, String s) {
        try {
            p.write(s.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
