package dev.vit4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading, writing, and refusing hostile files: every refusal is a Vit4jException with one line. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndReadsTheFixtures() throws IOException {
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        t.put("a", new FloatTensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f}));
        t.put("b.c", new FloatTensor(new long[] {1}, new float[] {Float.MIN_VALUE}));
        t.put("empty", new FloatTensor(new long[] {0, 4}, new float[0]));
        Path f = dir.resolve("x.safetensors");
        SafeTensorsWriter.write(f, t, Map.of("format", "pt"));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6.5f}, st.floats("a"));
            assertArrayEquals(new long[] {2, 3}, st.info("a").shape());
            assertArrayEquals(new float[] {Float.MIN_VALUE}, st.floats("b.c"));
            assertEquals(0, st.floats("empty").length);
            assertEquals("pt", st.metadata().get("format"));
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        try (SafeTensors st = SafeTensors.open(Fixtures.path("vit_micro/model.safetensors"))) {
            assertEquals(44, st.tensors().size());
            assertEquals(48 * 3 * 8 * 8, st.floats("patch_embed.proj.weight").length);
        }
    }

    @Test
    void decodesHalfAndBfloat16() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001); // 1, -2, smallest subnormal
        data.putShort((short) 0x3f80).putShort((short) 0xc040).putShort((short) 0x7f80); // 1, -3, +inf
        Path f = write(
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[6,12]}}",
                data.array());
        try (SafeTensors st = SafeTensors.open(f)) {
            assertArrayEquals(new float[] {1f, -2f, 0x1p-24f}, st.floats("h"));
            assertArrayEquals(new float[] {1f, -3f, Float.POSITIVE_INFINITY}, st.floats("b"));
        }
    }

    @Test
    void refusesHostileHeaders() throws IOException {
        byte[] eight = new byte[8];
        refuse(Files.write(dir.resolve("short"), new byte[3]), "too short");
        refuse(rawHeader(Long.MAX_VALUE, new byte[16]), "do not give a header length within");
        refuse(rawHeader(-1L, new byte[16]), "do not give a header length within");
        refuse(rawHeader(1L << 40, new byte[16]), "do not give a header length within");
        refuse(write("not json at all", eight), "not a JSON object");
        refuse(write("{\"a\": [1, 2", eight), "not valid JSON");
        refuse(
                write(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                        eight),
                "not valid JSON");
        refuse(write("{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "unsupported dtype");
        refuse(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight), "needs 12 bytes");
        refuse(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,80]}}", eight), "beyond");
        refuse(
                write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", eight),
                "invalid data_offsets");
        refuse(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight), "invalid dimension");
        refuse(
                write(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
                                + "\"data_offsets\":[0,8]}}",
                        eight),
                "absurd shape");
        refuse(
                write(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        eight),
                "overlap");
        refuse(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "gap");
        refuse(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight), "do not add up");
        refuse(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight), "data_offsets");
        refuse(write("{\"a\":17}", eight), "not a JSON object");
        refuse(write("{\"__metadata__\":{\"k\":[1]}}", new byte[0]), "not a string");
    }

    /** Truncations and random byte flips of a real file: each either loads or is refused cleanly. */
    @Test
    void survivesTruncationAndMutation() throws IOException {
        byte[] good = Files.readAllBytes(Fixtures.path("cait_micro/model.safetensors"));
        Random random = new Random(7);
        int refused = 0;
        for (int i = 0; i < 300; i++) {
            byte[] b;
            if (i < 100) {
                b = java.util.Arrays.copyOf(good, random.nextInt(good.length));
            } else {
                b = good.clone();
                int headerEnd = 8
                        + (int) ByteBuffer.wrap(good, 0, 8)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .getLong();
                for (int k = 0; k < 1 + random.nextInt(4); k++) {
                    b[random.nextInt(i < 200 ? 8 : headerEnd)] = (byte) random.nextInt(256);
                }
            }
            Path f = Files.write(dir.resolve("m" + i), b);
            try (SafeTensors st = SafeTensors.open(f)) {
                for (String name : st.tensors().keySet()) {
                    st.floats(name);
                }
            } catch (Vit4jException e) {
                refused++;
                assertTrue(!e.getMessage().contains("\n"), e.getMessage());
            }
        }
        assertTrue(refused >= 150, "most corruptions must be caught, got " + refused);
    }

    private void refuse(Path f, String part) {
        Vit4jException e =
                assertThrows(Vit4jException.class, () -> SafeTensors.open(f).close());
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    private Path write(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return Files.write(Files.createTempFile(dir, "h", ".safetensors"), b.array());
    }

    private Path rawHeader(long len, byte[] rest) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(len).put(rest);
        return Files.write(Files.createTempFile(dir, "r", ".safetensors"), b.array());
    }
}
