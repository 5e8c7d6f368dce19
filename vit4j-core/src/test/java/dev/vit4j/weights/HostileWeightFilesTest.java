package dev.vit4j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Vit4jException;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.memory.MemoryBudgetException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        Path npz = HostileFiles.npzOfZeros(
                dir.resolve("bomb.npz"),
                List.of("embedding/kernel.npy", "embedding/bias.npy", "cls.npy"),
                400L << 20,
                Deflater.BEST_COMPRESSION);
        assertTrue(Files.size(npz) < 8 << 20, "a small file: " + Files.size(npz));
        Vit4jException e = assertThrows(Vit4jException.class, () -> WeightFiles.open(npz));
        assertTrue(e.getMessage().contains("bomb.npz") && e.getMessage().contains("-Xmx"), e.getMessage());
    }

    /**
     * A 4.5 MB torch.save zip whose two storages inflate to 500 MB each (the test JVM has a 1 GB heap): refused from
     * the declared sizes of all its storages together, before any is inflated. The reader checked entries one by one,
     * each fitting, and `vit4j convert` ended in an OutOfMemoryError after 25 s.
     */
    @Test
    void aPthZipBombIsRefusedBeforeInflating() throws IOException {
        Path pth = dir.resolve("bomb.pth");
        long elements = 125L << 20;
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(pth))) {
            zip.setLevel(Deflater.BEST_SPEED);
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle(Map.of("a", elements, "b", elements)));
            zip.closeEntry();
            byte[] zeros = new byte[1 << 20];
            for (String key : new String[] {"0", "1"}) {
                zip.putNextEntry(new ZipEntry("archive/data/" + key));
                for (long written = 0; written < elements * 4; written += zeros.length) {
                    zip.write(zeros);
                }
                zip.closeEntry();
            }
        }
        assertTrue(Files.size(pth) < 8 << 20, "a small file: " + Files.size(pth));
        Vit4jException e = assertThrows(Vit4jException.class, () -> WeightFiles.open(pth));
        assertTrue(e instanceof MemoryBudgetException m && !m.couldFitLater(), e.getMessage());
        assertTrue(e.getMessage().contains("bomb.pth") && e.getMessage().contains("-Xmx"), e.getMessage());
        assertEquals(0, MemoryBudget.heap().reserved());
    }

    /**
     * Files that are not weights are named for what they are, and their bytes are never echoed: a text file's first
     * eight bytes decoded as a header length told any client of model control what the file began with.
     */
    @Test
    void aFileThatIsNotWeightsIsNamedForWhatItIs() throws IOException {
        Path secret = Files.writeString(dir.resolve("shadow"), "root:$6$abcdefgh:19000:0:99999:7:::\n");
        Vit4jException text = assertThrows(Vit4jException.class, () -> WeightFiles.open(secret));
        assertFalse(text.getMessage().contains("header length"), text.getMessage());
        assertTrue(text.getMessage().contains("not a weights file (safetensors"), text.getMessage());
        Path onnx = Files.write(dir.resolve("model.onnx"), new byte[] {8, 8, 0x12, 5, 'v', 'i', 't', '4', 'j'});
        assertTrue(assertThrows(Vit4jException.class, () -> WeightFiles.open(onnx))
                .getMessage()
                .contains("an ONNX model"));
        Path png = Files.write(dir.resolve("land.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1, 2});
        assertTrue(assertThrows(Vit4jException.class, () -> WeightFiles.open(png))
                .getMessage()
                .contains("is an image, not a weights file"));
        assertTrue(assertThrows(Vit4jException.class, () -> WeightFiles.open(dir))
                .getMessage()
                .contains("is a folder"));
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

    /** {NAME: a float tensor of N elements on its own storage, keys '0', '1', … in the map's order}. */
    private static byte[] pickle(Map<String, Long> tensors) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.write('}');
        p.write('(');
        int key = 0;
        for (Map.Entry<String, Long> t : new java.util.TreeMap<>(tensors).entrySet()) {
            unicode(p, t.getKey());
            ascii(p, "ctorch._utils\n_rebuild_tensor_v2\n(");
            ascii(p, "(");
            unicode(p, "storage");
            ascii(p, "ctorch\nFloatStorage\n");
            unicode(p, Integer.toString(key++));
            unicode(p, "cpu");
            binint(p, t.getValue());
            ascii(p, "tQ");
            p.write('K');
            p.write(0);
            binint(p, t.getValue());
            p.write(0x85);
            p.write('K');
            p.write(1);
            p.write(0x85);
            p.write(0x89);
            ascii(p, "ccollections\nOrderedDict\n)R");
            ascii(p, "tR");
        }
        ascii(p, "u.");
        return p.toByteArray();
    }

    private static void binint(ByteArrayOutputStream p, long v) {
        p.write('J');
        p.writeBytes(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) v)
                .array());
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
