package dev.vit4j.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Full-size weights neither side stores: every tensor's values come from its name and index through splitmix64, the
 * same numbers tools/clip_fixtures.py's {@code generated} makes in numpy. Written as a safetensors file, one tensor at a
 * time (a ViT-B/16 CLIP is 600 MB of float32).
 */
final class GeneratedWeights {
    private GeneratedWeights() {}

    static long fnv1a(String name) {
        long h = 0xCBF29CE484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001B3L;
        }
        return h;
    }

    /** u in [-1, 1) for index i (from 0), as the numpy version. */
    static double uniform(long seed, long i) {
        long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53 * 2.0 - 1.0;
    }

    static float[] values(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        long seed = fnv1a(name);
        String last = name.substring(name.lastIndexOf('.') + 1);
        float[] out = new float[(int) n];
        double fanIn = 1;
        for (int d = 1; d < shape.length; d++) {
            fanIn *= shape[d];
        }
        for (int i = 0; i < n; i++) {
            double u = uniform(seed, i);
            double v;
            if (last.equals("logit_scale")) {
                v = Math.log(1 / 0.07) + 0.2 * u;
            } else if (name.endsWith("logit_bias")) {
                v = -3.0 + 0.5 * u;
            } else if (shape.length <= 1
                    && (name.contains("norm") || name.contains("ln_"))
                    && name.endsWith("weight")) {
                v = 1.0 + 0.1 * u;
            } else if (shape.length <= 1) {
                v = 0.05 * u;
            } else {
                v = u * (Math.sqrt(3.0) / Math.sqrt(fanIn));
            }
            out[i] = (float) v;
        }
        return out;
    }

    static void write(Path file, Map<String, long[]> shapes) throws IOException {
        ObjectNode header = JsonNodeFactory.instance.objectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + 4 * n);
            offset += 4 * n;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer size =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(size.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                float[] v = values(e.getKey(), e.getValue());
                ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                out.write(b.array());
            }
        }
    }
}
