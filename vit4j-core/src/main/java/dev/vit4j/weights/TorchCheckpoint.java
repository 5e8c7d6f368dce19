package dev.vit4j.weights;

import dev.vit4j.Vit4jException;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.weights.RestrictedUnpickler.StorageRef;
import dev.vit4j.weights.RestrictedUnpickler.TensorRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * PyTorch {@code torch.save} files ({@code .pth}, {@code .bin}): the zip format (PyTorch ≥ 1.6: {@code data.pkl} plus
 * one entry per storage) and the legacy one (a sequence of pickles, then the raw storages). The pickle goes through
 * {@link RestrictedUnpickler}. The state dict is taken as timm's {@code load_checkpoint} takes it: the file itself,
 * or its {@code state_dict_ema}, {@code model_ema}, {@code state_dict} or {@code model} entry, a DataParallel
 * {@code module.} prefix removed.
 */
final class TorchCheckpoint {
    private static final java.math.BigInteger LEGACY_MAGIC = new java.math.BigInteger("1950a86a20f9469cfc6c", 16);
    private static final List<String> WRAPPERS = List.of("state_dict_ema", "model_ema", "state_dict", "model");
    /** A state dict's pickle names tensors and shapes: a few MB even for the largest models. */
    private static final long MAX_PICKLE = 256L << 20;

    private TorchCheckpoint() {}

    static TensorSource readZip(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream()
                    .filter(e -> e.getName().endsWith("data.pkl"))
                    .findFirst()
                    .orElseThrow(() -> new Vit4jException(file + ": a zip without data.pkl is not a torch.save file"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            Object root = RestrictedUnpickler.load(file.toString(), ByteBuffer.wrap(read(zip, pkl, file)));
            Map<?, ?> dict = stateDict(file, root);
            Map<String, ZipEntry> entries = new LinkedHashMap<>();
            long declared = 0;
            for (Object v : dict.values()) {
                if (v instanceof TensorRef t && !entries.containsKey(t.storage().key())) {
                    ZipEntry e = entry(zip, prefix + "data/" + t.storage().key(), file);
                    entries.put(t.storage().key(), e);
                    // the storage's bytes, and its values widened to float32 beside them
                    declared +=
                            e.getSize() + e.getSize() / elementSize(t.storage().type(), file) * Float.BYTES;
                }
            }
            MemoryBudget.Reservation memory = MemoryBudget.heap().reserve(declared, "weights file " + file);
            try {
                Map<String, ByteBuffer> storages = new HashMap<>();
                return new InMemoryTensors(
                        file,
                        tensors(
                                file,
                                dict,
                                ref -> storages.computeIfAbsent(ref.key(), key -> {
                                    try {
                                        return ByteBuffer.wrap(read(zip, entries.get(key), file));
                                    } catch (IOException ex) {
                                        throw new Vit4jException(
                                                file + ": cannot read storage " + key + ": " + ex.getMessage());
                                    }
                                })),
                        memory);
            } catch (RuntimeException e) {
                memory.close();
                throw e;
            }
        } catch (IOException e) {
            throw new Vit4jException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * A storage's entry, its declared size checked before anything is inflated: deflate expands at most ~1032:1, so a
     * larger claim is a forged header (a zip bomb).
     */
    private static ZipEntry entry(ZipFile zip, String name, Path file) {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new Vit4jException(file + ": storage " + name.substring(name.lastIndexOf('/') + 1) + " is missing");
        }
        long size = e.getSize();
        if (size < 0 || size > Integer.MAX_VALUE - 8 || size > 1100 * Math.max(1, e.getCompressedSize())) {
            throw new Vit4jException(file + ": entry " + e.getName() + " claims " + size + " bytes from "
                    + e.getCompressedSize() + " compressed; refused");
        }
        return e;
    }

    /** Magic number, protocol version, system info, the object, its storage keys, then each storage: int64 size, data. */
    static TensorSource readLegacy(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new Vit4jException("cannot read " + file + ": " + e.getMessage());
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new Vit4jException(
                    file + ": legacy .pth files over 2 GB are not supported; re-save it with torch.save");
        }
        // The whole file, and at most its bytes again as float32 (every storage at least 4 bytes an element, but
        // for half precision and smaller types, which widen: counted below once their types are known).
        MemoryBudget.Reservation memory = MemoryBudget.heap().reserve(2 * size, "weights file " + file);
        try {
            return readLegacy(file, memory);
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    private static TensorSource readLegacy(Path file, MemoryBudget.Reservation memory) {
        ByteBuffer in;
        try {
            in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new Vit4jException("cannot read " + file + ": " + e.getMessage());
        }
        String src = file.toString();
        Object magic = RestrictedUnpickler.load(src, in);
        if (!LEGACY_MAGIC.equals(magic)) {
            throw new Vit4jException(file + ": not a PyTorch file (no torch.save magic number)");
        }
        RestrictedUnpickler.load(src, in); // protocol version
        if (RestrictedUnpickler.load(src, in) instanceof Map<?, ?> info
                && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw new Vit4jException(file + ": saved on a big-endian machine; not supported");
        }
        Object root = RestrictedUnpickler.load(src, in);
        Object keys = RestrictedUnpickler.load(src, in);
        Map<String, ByteBuffer> storages = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        collectTypes(root, types);
        long widened = 0;
        for (Object k : (List<?>) keys) {
            String key = String.valueOf(k);
            long numel = in.getLong();
            if (numel < 0 || numel > in.remaining()) {
                throw new Vit4jException(file + ": storage " + key + " runs past the end of the file (truncated?)");
            }
            long bytes = numel * elementSize(types.getOrDefault(key, "Float"), file);
            if (bytes > in.remaining()) {
                throw new Vit4jException(file + ": storage " + key + " runs past the end of the file (truncated?)");
            }
            ByteBuffer slice = in.slice(in.position(), (int) bytes);
            in.position(in.position() + (int) bytes);
            storages.put(key, slice);
            widened += Math.max(0, numel * Float.BYTES - bytes);
        }
        memory.grow(widened, "weights file " + file);
        return new InMemoryTensors(
                file,
                tensors(file, stateDict(file, root), ref -> {
                    ByteBuffer b = storages.get(ref.key());
                    if (b == null) {
                        throw new Vit4jException(file + ": storage " + ref.key() + " is missing");
                    }
                    return b;
                }),
                memory);
    }

    private static void collectTypes(Object o, Map<String, String> types) {
        if (o instanceof TensorRef t) {
            types.put(t.storage().key(), t.storage().type());
        } else if (o instanceof Map<?, ?> m) {
            m.values().forEach(v -> collectTypes(v, types));
        }
    }

    private static Map<String, FloatTensor> tensors(
            Path file, Map<?, ?> dict, Function<StorageRef, ByteBuffer> storage) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getValue() instanceof TensorRef t)) {
                continue; // timm's loader keeps tensors only
            }
            String name = String.valueOf(e.getKey());
            name = name.startsWith("module.") ? name.substring("module.".length()) : name;
            out.put(name, decode(file, name, t, storage.apply(t.storage())));
        }
        if (out.isEmpty()) {
            throw new Vit4jException(file + " holds no tensors");
        }
        return out;
    }

    private static Map<?, ?> stateDict(Path file, Object root) {
        if (root instanceof RestrictedUnpickler.ScriptObject module) {
            // a TorchScript archive: its modules' tensors under their attribute paths, as module.state_dict() names
            // them
            Map<String, Object> flat = new LinkedHashMap<>();
            flatten("", module, flat, 0);
            return flat;
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new Vit4jException(file + " does not hold a state dict");
        }
        if (m.values().stream().anyMatch(v -> v instanceof TensorRef)) {
            return m;
        }
        for (String w : WRAPPERS) {
            if (m.get(w) instanceof Map<?, ?> inner) {
                return inner;
            }
        }
        throw new Vit4jException(file + " holds neither a state dict nor one under " + String.join(", ", WRAPPERS)
                + " (keys: " + m.keySet() + ")");
    }

    private static void flatten(
            String prefix, RestrictedUnpickler.ScriptObject module, Map<String, Object> out, int depth) {
        if (depth > 64) {
            throw new Vit4jException("TorchScript modules nested more than 64 deep; refused");
        }
        module.attributes().forEach((k, v) -> {
            String name = prefix + k;
            if (v instanceof TensorRef) {
                out.put(name, v);
            } else if (v instanceof RestrictedUnpickler.ScriptObject child) {
                flatten(name + ".", child, out, depth + 1);
            }
        });
    }

    /** The strided view, gathered row-major and widened to float32, every index checked against the storage. */
    private static FloatTensor decode(Path file, String name, TensorRef t, ByteBuffer data) {
        int es = elementSize(t.storage().type(), file);
        long available = data.remaining() / es;
        long n = 1;
        long base = t.offset() + t.storage().viewOffset();
        long last = base;
        boolean overflow = false;
        for (int d = 0; d < t.size().length; d++) {
            if (t.size()[d] < 0 || t.stride()[d] < 0) {
                throw new Vit4jException(file + ": tensor " + name + " has a negative size or stride");
            }
            try { // exact: a stride of 2^62 must not wrap around into the storage
                n = Math.multiplyExact(n, t.size()[d]);
                last = Math.addExact(last, Math.multiplyExact(Math.max(0, t.size()[d] - 1), t.stride()[d]));
            } catch (ArithmeticException e) {
                overflow = true;
            }
        }
        if (n > 0 && (overflow || base < 0 || last >= available)) {
            throw new Vit4jException(
                    file + ": tensor " + name + " reaches past its storage (" + available + " elements)");
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new Vit4jException(file + ": tensor " + name + " is too large to load");
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) n];
        int dims = t.size().length;
        long[] idx = new long[dims];
        for (int i = 0; i < out.length; i++) {
            long at = base;
            for (int d = 0; d < dims; d++) {
                at += idx[d] * t.stride()[d];
            }
            out[i] = element(b, t.storage().type(), (int) (at * es));
            for (int d = dims - 1; d >= 0 && ++idx[d] == t.size()[d]; d--) {
                idx[d] = 0;
            }
        }
        return new FloatTensor(t.size().clone(), out);
    }

    private static float element(ByteBuffer b, String type, int at) {
        return switch (type) {
            case "Float" -> b.getFloat(at);
            case "Half" -> SafeTensors.halfToFloat(b.getShort(at));
            case "BFloat16" -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            case "Double" -> (float) b.getDouble(at);
            case "Long" -> b.getLong(at);
            case "Int" -> b.getInt(at);
            case "Short" -> b.getShort(at);
            case "Char" -> b.get(at);
            default -> b.get(at) & 0xff; // Byte, Bool
        };
    }

    private static int elementSize(String type, Path file) {
        return switch (type) {
            case "Double", "Long" -> 8;
            case "Float", "Int" -> 4;
            case "Half", "BFloat16", "Short" -> 2;
            case "Char", "Byte", "Bool" -> 1;
            default -> throw new Vit4jException(file + ": unsupported storage type " + type);
        };
    }

    /**
     * An entry's bytes, its declared size checked first so that a hostile header cannot ask for a huge buffer (the
     * storages were checked and reserved by {@link #entry}; this is the pickle's).
     */
    private static byte[] read(ZipFile zip, ZipEntry e, Path file) throws IOException {
        long size = e.getSize();
        if (size > Integer.MAX_VALUE - 8 || size > 1100 * Math.max(1, e.getCompressedSize()) || size > MAX_PICKLE) {
            throw new Vit4jException(file + ": entry " + e.getName() + " claims " + size + " bytes; refused");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes(size >= 0 ? (int) size : Integer.MAX_VALUE - 8);
            if (size >= 0 && b.length != size) {
                throw new Vit4jException(file + ": entry " + e.getName() + " is truncated");
            }
            return b;
        }
    }
}
