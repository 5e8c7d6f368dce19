package dev.vit4j.weights;

import dev.vit4j.Vit4jException;
import dev.vit4j.memory.MemoryBudget;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Google's original ViT checkpoints ({@code .npz}, Flax names such as {@code Transformer/encoderblock_N/...}, and
 * big_vision's {@code params/...} variant), renamed and transposed into timm's layout exactly as timm's
 * {@code _load_weights} does: kernels transposed, query/key/value fused into {@code qkv}.
 */
final class GoogleVitNpz {
    private static final Pattern HEADER_SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
    private static final Pattern HEADER_DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern BLOCK = Pattern.compile("Transformer/encoderblock_(\\d+)/");

    private GoogleVitNpz() {}

    static boolean isNpz(ZipFile zip) {
        return zip.stream().anyMatch(e -> e.getName().endsWith("embedding/kernel.npy"));
    }

    static TensorSource read(Path file) {
        Map<String, FloatTensor> w = new HashMap<>();
        MemoryBudget.Reservation memory = null;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<? extends ZipEntry> arrays =
                    zip.stream().filter(e -> e.getName().endsWith(".npy")).toList();
            memory = MemoryBudget.heap().reserve(declaredSize(file, arrays), "weights file " + file);
            for (ZipEntry e : arrays) {
                try (InputStream in = zip.getInputStream(e)) {
                    String name = e.getName().substring(0, e.getName().length() - 4);
                    w.put(name, npy(file, name, in, e.getSize()));
                }
            }
            return new InMemoryTensors(file, toTimm(file, w), memory);
        } catch (IOException | RuntimeException e) {
            if (memory != null) {
                memory.close();
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new Vit4jException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * Before inflating anything: every array's declared size within what deflate can expand its compressed bytes to
     * (~1032:1); what they need together — the arrays, and their copies in timm's layout — is what the caller reserves
     * (a 3.3 MB file declaring three 1 GB arrays was an OutOfMemoryError). As for {@code .pth}.
     */
    private static long declaredSize(Path file, List<? extends ZipEntry> arrays) {
        long total = 0;
        for (ZipEntry e : arrays) {
            long size = e.getSize();
            if (size < 0 || size > 1100 * Math.max(1, e.getCompressedSize()) || size > Integer.MAX_VALUE - 8) {
                throw new Vit4jException(file + ": array " + e.getName() + " claims " + size + " bytes from "
                        + e.getCompressedSize() + " compressed; refused");
            }
            total += size;
        }
        return 2 * total;
    }

    private static Map<String, FloatTensor> toTimm(Path file, Map<String, FloatTensor> w) {
        String prefix = w.containsKey("opt/target/embedding/kernel")
                ? "opt/target/"
                : w.containsKey("params/embedding/kernel")
                        ? "params/"
                        : w.containsKey("params/img/embedding/kernel") ? "params/img/" : "";
        boolean bigVision = prefix.startsWith("params/");
        Getter g = new Getter(file, w, prefix);
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        out.put("patch_embed.proj.weight", permute(g.get("embedding/kernel"), 3, 2, 0, 1));
        out.put("patch_embed.proj.bias", g.get("embedding/bias"));
        if (g.has("cls")) {
            out.put("cls_token", g.get("cls"));
        }
        out.put("pos_embed", g.get(bigVision ? "pos_embedding" : "Transformer/posembed_input/pos_embedding"));
        out.put("norm.weight", g.get("Transformer/encoder_norm/scale"));
        out.put("norm.bias", g.get("Transformer/encoder_norm/bias"));
        if (g.has("head/kernel")) {
            out.put("head.weight", permute(g.get("head/kernel"), 1, 0));
            out.put("head.bias", g.get("head/bias"));
        }
        int mha = bigVision ? 0 : 1;
        int mlp = bigVision ? 0 : 3;
        int ln2 = bigVision ? 1 : 2;
        int blocks = 0;
        for (String k : w.keySet()) {
            Matcher m = BLOCK.matcher(k);
            if (m.find()) {
                blocks = Math.max(blocks, Integer.parseInt(m.group(1)) + 1);
            }
        }
        for (int i = 0; i < blocks; i++) {
            String b = "Transformer/encoderblock_" + i + "/";
            String a = b + "MultiHeadDotProductAttention_" + mha + "/";
            String t = "blocks." + i + ".";
            out.put(t + "norm1.weight", g.get(b + "LayerNorm_0/scale"));
            out.put(t + "norm1.bias", g.get(b + "LayerNorm_0/bias"));
            List<FloatTensor> qkvW = new ArrayList<>();
            List<FloatTensor> qkvB = new ArrayList<>();
            for (String n : List.of("query", "key", "value")) {
                qkvW.add(permute(flattenFrom(g.get(a + n + "/kernel"), 1), 1, 0)); // (D, heads, hd) → (heads·hd, D)
                qkvB.add(flattenFrom(g.get(a + n + "/bias"), 0));
            }
            out.put(t + "attn.qkv.weight", concat(qkvW));
            out.put(t + "attn.qkv.bias", concat(qkvB));
            out.put(t + "attn.proj.weight", flattenFrom(permute(g.get(a + "out/kernel"), 2, 0, 1), 1));
            out.put(t + "attn.proj.bias", g.get(a + "out/bias"));
            out.put(t + "norm2.weight", g.get(b + "LayerNorm_" + ln2 + "/scale"));
            out.put(t + "norm2.bias", g.get(b + "LayerNorm_" + ln2 + "/bias"));
            for (int r = 0; r < 2; r++) {
                String d = b + "MlpBlock_" + mlp + "/Dense_" + r + "/";
                out.put(t + "mlp.fc" + (r + 1) + ".weight", permute(g.get(d + "kernel"), 1, 0));
                out.put(t + "mlp.fc" + (r + 1) + ".bias", g.get(d + "bias"));
            }
        }
        return out;
    }

    private record Getter(Path file, Map<String, FloatTensor> w, String prefix) {
        boolean has(String name) {
            return w.containsKey(prefix + name);
        }

        FloatTensor get(String name) {
            FloatTensor t = w.get(prefix + name);
            if (t == null) {
                throw new Vit4jException(file + ": a ViT .npz must hold " + prefix + name);
            }
            return t;
        }
    }

    /** Axes {@code from}… merged into one (numpy's reshape on a C-ordered array: the data stays as it is). */
    private static FloatTensor flattenFrom(FloatTensor t, int from) {
        long[] s = new long[from + 1];
        System.arraycopy(t.shape(), 0, s, 0, from);
        s[from] = 1;
        for (int d = from; d < t.shape().length; d++) {
            s[from] *= t.shape()[d];
        }
        return new FloatTensor(s, t.data());
    }

    private static FloatTensor concat(List<FloatTensor> parts) {
        long[] s = parts.get(0).shape().clone();
        int total = 0;
        for (FloatTensor p : parts) {
            total += p.data().length;
        }
        s[0] = 0;
        float[] out = new float[total];
        int at = 0;
        for (FloatTensor p : parts) {
            System.arraycopy(p.data(), 0, out, at, p.data().length);
            at += p.data().length;
            s[0] += p.shape()[0];
        }
        return new FloatTensor(s, out);
    }

    /** numpy's transpose(perm), materialized row-major. */
    static FloatTensor permute(FloatTensor t, int... perm) {
        long[] in = t.shape();
        if (perm.length != in.length) {
            throw new Vit4jException(
                    "unexpected tensor rank " + in.length + " (shape " + java.util.Arrays.toString(in) + ")");
        }
        int dims = in.length;
        long[] inStride = new long[dims];
        long acc = 1;
        for (int d = dims - 1; d >= 0; d--) {
            inStride[d] = acc;
            acc *= in[d];
        }
        long[] shape = new long[dims];
        long[] stride = new long[dims];
        for (int d = 0; d < dims; d++) {
            shape[d] = in[perm[d]];
            stride[d] = inStride[perm[d]];
        }
        float[] out = new float[t.data().length];
        long[] idx = new long[dims];
        for (int i = 0; i < out.length; i++) {
            long at = 0;
            for (int d = 0; d < dims; d++) {
                at += idx[d] * stride[d];
            }
            out[i] = t.data()[(int) at];
            for (int d = dims - 1; d >= 0 && ++idx[d] == shape[d]; d--) {
                idx[d] = 0;
            }
        }
        return new FloatTensor(shape, out);
    }

    /** A {@code .npy}: magic, version, a header dict (little-endian float32/float16/float64, C or Fortran order), the data. */
    private static FloatTensor npy(Path file, String name, InputStream in, long declaredBytes) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || (magic[0] & 0xff) != 0x93 || magic[1] != 'N') {
            throw new Vit4jException(file + ": " + name + " is not a .npy array");
        }
        byte[] lenBytes = in.readNBytes(magic[6] == 1 ? 2 : 4);
        int headerLen = magic[6] == 1
                ? ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff
                : ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (headerLen < 0 || headerLen > 1 << 16) {
            throw new Vit4jException(file + ": " + name + " has a corrupt .npy header");
        }
        String header = new String(in.readNBytes(headerLen), StandardCharsets.ISO_8859_1);
        Matcher descr = HEADER_DESCR.matcher(header);
        Matcher shapeM = HEADER_SHAPE.matcher(header);
        if (!descr.find() || !shapeM.find()) {
            throw new Vit4jException(file + ": " + name + ": unsupported .npy header " + header.strip());
        }
        List<Long> dims = new ArrayList<>();
        for (String d : shapeM.group(1).split(",")) {
            if (!d.isBlank()) {
                dims.add(Long.parseLong(d.strip()));
            }
        }
        boolean fortran = header.contains("'fortran_order': True");
        if (fortran) {
            java.util.Collections.reverse(dims); // column-major data is the row-major array of the reversed shape
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long d : shape) {
            if (d < 0 || d > declaredBytes) {
                throw new Vit4jException(file + ": " + name + " has an impossible shape " + dims);
            }
            n *= d; // no overflow: n and d are each at most the declared bytes (< 2^31)
            if (n > declaredBytes) {
                throw new Vit4jException(file + ": " + name + " is truncated");
            }
        }
        int es =
                switch (descr.group(1)) {
                    case "<f4" -> 4;
                    case "<f2" -> 2;
                    case "<f8" -> 8;
                    default -> throw new Vit4jException(
                            file + ": " + name + " has dtype " + descr.group(1) + " (float expected)");
                };
        if (n * es > Integer.MAX_VALUE - 8 || n * es > declaredBytes) {
            throw new Vit4jException(
                    file + ": " + name + " is " + (n * es > declaredBytes ? "truncated" : "too large"));
        }
        byte[] raw = in.readNBytes((int) (n * es));
        if (raw.length != n * es) {
            throw new Vit4jException(file + ": " + name + " is truncated");
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = es == 4
                    ? b.getFloat(4 * i)
                    : es == 8 ? (float) b.getDouble(8 * i) : SafeTensors.halfToFloat(b.getShort(2 * i));
        }
        FloatTensor t = new FloatTensor(shape, out);
        if (!fortran) {
            return t;
        }
        int[] reverse = new int[shape.length];
        for (int d = 0; d < reverse.length; d++) {
            reverse[d] = reverse.length - 1 - d;
        }
        return permute(t, reverse);
    }
}
