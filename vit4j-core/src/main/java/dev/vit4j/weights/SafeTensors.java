package dev.vit4j.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file (the Hugging Face format: 8-byte little-endian header length, JSON header, raw
 * little-endian data), validated as strictly as the reference implementation before anything is read:
 * header within the file and of sane size, valid JSON without duplicate keys, known dtypes, shape × dtype
 * size equal to each byte range, ranges inside the data section, neither overlapping nor leaving gaps.
 * Tensor data is memory-mapped and decoded to float32 on demand.
 */
public final class SafeTensors implements TensorSource {
    /** The reference implementation's cap on the header (100 MB); anything larger is hostile. */
    static final long MAX_HEADER = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(
            Path path,
            FileChannel channel,
            long dataStart,
            Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new Vit4jException("weights file not found: " + path);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            SafeTensors st = parse(path, channel);
            channel = null;
            return st;
        } catch (IOException e) {
            throw new Vit4jException("cannot read " + path + ": " + e.getMessage(), e);
        } finally {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the parse error is the one worth reporting
                }
            }
        }
    }

    private static SafeTensors parse(Path path, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw bad(path, "file of " + size + " bytes is too short for a safetensors header");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen < 0 || headerLen > size - 8) {
            // The first 8 bytes of any file decode to some length: saying which would echo the file's bytes.
            throw bad(path, "its first 8 bytes do not give a header length within its " + size + " bytes");
        }
        if (headerLen > MAX_HEADER) {
            throw bad(path, "header length " + headerLen + " exceeds the " + MAX_HEADER + "-byte limit");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(channel, headerBuf, 8);
        byte[] header = headerBuf.array();
        if (header.length == 0 || header[0] != '{') {
            throw bad(path, "header is not a JSON object");
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw bad(path, "header is not valid JSON (" + firstLine(e.getOriginalMessage()) + ")");
        }
        if (root == null || !root.isObject()) {
            throw bad(path, "header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if ("__metadata__".equals(e.getKey())) {
                if (!e.getValue().isObject()) {
                    throw bad(path, "__metadata__ is not a JSON object");
                }
                e.getValue().fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) {
                        throw bad(path, "__metadata__ value for '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            tensors.put(e.getKey(), entry(path, e.getKey(), e.getValue(), dataLen));
        }
        checkLayout(path, tensors, dataLen);
        return new SafeTensors(
                path, channel, dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo entry(Path path, String name, JsonNode node, long dataLen) {
        if (!node.isObject()) {
            throw bad(path, "entry '" + name + "' is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw bad(path, "tensor '" + name + "' has no dtype");
        }
        DType dtype = DType.parse(dtypeNode.asText());
        if (dtype == null) {
            throw bad(
                    path,
                    "tensor '" + name + "' has unsupported dtype " + dtypeNode.asText()
                            + " (vit4j reads F32, F16, BF16)");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > 16) {
            throw bad(path, "tensor '" + name + "' has no valid shape");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw bad(path, "tensor '" + name + "' has an invalid dimension " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException ex) {
                throw bad(path, "tensor '" + name + "' has an absurd shape " + shapeNode);
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null
                || !offsets.isArray()
                || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong()
                || !offsets.get(1).canConvertToLong()) {
            throw bad(path, "tensor '" + name + "' has no valid data_offsets");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw bad(path, "tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataLen) {
            throw bad(
                    path,
                    "tensor '" + name + "' data_offsets [" + begin + ", " + end + "] run beyond the " + dataLen
                            + "-byte data section (truncated or corrupt file)");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) dtype.bytes());
        } catch (ArithmeticException ex) {
            throw bad(path, "tensor '" + name + "' has an absurd shape " + shapeNode);
        }
        if (bytes != end - begin) {
            throw bad(
                    path,
                    "tensor '" + name + "' of shape " + shapeNode + " and dtype " + dtype + " needs " + bytes
                            + " bytes but its data_offsets span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkLayout(Path path, Map<String, TensorInfo> tensors, long dataLen) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expected) {
                throw bad(path, "tensors '" + previous.name() + "' and '" + t.name() + "' overlap");
            }
            if (t.begin() > expected) {
                throw bad(
                        path,
                        "gap of " + (t.begin() - expected) + " bytes before tensor '" + t.name()
                                + "': offsets do not add up");
            }
            expected = t.end();
            previous = t;
        }
        if (expected != dataLen) {
            throw bad(
                    path,
                    "tensors cover " + expected + " bytes but the data section holds " + dataLen
                            + ": sizes do not add up");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static Vit4jException bad(Path path, String why) {
        return new Vit4jException("invalid safetensors file " + path + ": " + why);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public Path path() {
        return path;
    }

    /** Tensor entries in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new java.util.LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new Vit4jException(path + " has no tensor '" + name + "'");
        }
        return t;
    }

    /** The tensor's values widened to float32, row-major. */
    @Override
    public float[] floats(String name) {
        TensorInfo t = info(name);
        long bytes = t.end() - t.begin();
        if (bytes / t.dtype().bytes() > Integer.MAX_VALUE - 8) {
            throw new Vit4jException(
                    "tensor '" + name + "' in " + path + " is too large to load (" + bytes + " bytes)");
        }
        int n = (int) t.elements();
        float[] out = new float[n];
        if (n == 0) {
            return out;
        }
        ByteBuffer buf;
        try {
            buf = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), bytes)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new Vit4jException("cannot read tensor '" + name + "' from " + path + ": " + e.getMessage(), e);
        }
        switch (t.dtype()) {
            case F32 -> buf.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(buf.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException(t.dtype().toString());
        }
        return out;
    }

    /** IEEE 754 binary16 → binary32, subnormals, infinities and NaN included. */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only channel: nothing can be lost
        }
    }
}
