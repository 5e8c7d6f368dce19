package dev.vit4j.weights;

import dev.vit4j.Vit4jException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that understands only what a PyTorch state dict needs, as {@code torch.load(weights_only=True)}:
 * plain values, lists, tuples, dicts, {@code collections.OrderedDict}, torch's storage types and its
 * {@code _rebuild_tensor_v2} / {@code _rebuild_parameter}. It calls nothing: every other global is refused when the
 * pickle names it, before anything could run, so a hostile file ({@code os.system} in a {@code .pth}) is only an error.
 * Tuples are {@code Object[]}, lists {@code List}, dicts {@code LinkedHashMap}, integers {@code Long} (or
 * {@code BigInteger}), tensors {@link TensorRef}. A TorchScript archive's modules ({@code torch.jit.save}: OpenAI's CLIP
 * {@code .pt} files) are classes named {@code __torch__.…}: each is made an inert {@link ScriptObject} holding its
 * attributes, never an instance of anything, and the archive's list builders ({@code torch.jit._pickle}) return their
 * argument.
 */
final class RestrictedUnpickler {
    /**
     * A storage named by a persistent id: its element type (torch's {@code FloatStorage} → "Float"), key, size, and
     * for a legacy file's view the offset in elements into the root storage.
     */
    record StorageRef(String type, String key, long numel, long viewOffset) {}

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)}: a strided view of a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** A TorchScript module: its class name and its attributes (parameters, buffers, submodules, flags). */
    record ScriptObject(String className, Map<Object, Object> attributes) {}

    private static final String SCRIPT_CLASSES = "__torch__.";
    private static final Set<String> SCRIPT_LIST_BUILDERS = Set.of(
            "torch.jit._pickle.build_intlist",
            "torch.jit._pickle.build_doublelist",
            "torch.jit._pickle.build_boollist",
            "torch.jit._pickle.build_tensorlist");

    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    private static final Object MARK = new Object();
    private static final Set<String> STORAGES =
            Set.of("Float", "Half", "BFloat16", "Double", "Long", "Int", "Short", "Char", "Byte", "Bool");
    private static final Set<String> CALLABLES = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state");

    private final String source;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private RestrictedUnpickler(String source, ByteBuffer in) {
        this.source = source;
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads one pickle from the buffer's position, leaving it just after the STOP opcode. */
    static Object load(String source, ByteBuffer in) {
        try {
            return new RestrictedUnpickler(source, in).run();
        } catch (java.nio.BufferUnderflowException
                | IndexOutOfBoundsException
                | ClassCastException
                | NegativeArraySizeException
                | ArithmeticException e) {
            throw new Vit4jException(
                    source + ": corrupt pickle (" + e.getClass().getSimpleName() + ")");
        }
    }

    private Object run() {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME
                case '.' -> {
                    return pop();
                }
                case '(' -> stack.add(MARK);
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) in.getInt());
                case 'K' -> push((long) (in.get() & 0xff));
                case 'M' -> push((long) (in.getShort() & 0xffff));
                case 0x8a -> push(longOf(bytes(in.get() & 0xff)));
                case 0x8b -> push(longOf(bytes(in.getInt())));
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // big-endian
                case 'X' -> push(new String(bytes(in.getInt()), StandardCharsets.UTF_8));
                case 0x8c -> push(new String(bytes(in.get() & 0xff), StandardCharsets.UTF_8));
                case 0x8d -> push(new String(bytes(Math.toIntExact(in.getLong())), StandardCharsets.UTF_8));
                case 'T' -> push(new String(bytes(in.getInt()), StandardCharsets.ISO_8859_1));
                case 'U' -> push(new String(bytes(in.get() & 0xff), StandardCharsets.ISO_8859_1));
                case 'B' -> push(bytes(in.getInt()));
                case 'C' -> push(bytes(in.get() & 0xff));
                case ')' -> push(new Object[0]);
                case 't' -> push(popMark().toArray());
                case 0x85 -> push(new Object[] {pop()});
                case 0x86 -> {
                    Object b = pop();
                    push(new Object[] {pop(), b});
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    push(new Object[] {pop(), b, c});
                }
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> push(setItems(new LinkedHashMap<>(), popMark()));
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(hashable(k), v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    setItems(dict(peek()), items);
                }
                case 'q' -> memo.put(in.get() & 0xff, peek());
                case 'r' -> memo.put(in.getInt(), peek());
                case 0x94 -> memo.put(memo.size(), peek());
                case 'h' -> push(memoGet(in.get() & 0xff));
                case 'j' -> push(memoGet(in.getInt()));
                case 'c' -> push(global(line(), line()));
                case 0x93 -> {
                    String name = (String) pop();
                    push(global((String) pop(), name));
                }
                case 'R' -> {
                    Object[] args = (Object[]) pop();
                    push(call(pop(), args));
                }
                case 'b' -> build(pop(), peek());
                case 0x81 -> {
                    Object[] args = (Object[]) pop();
                    push(newObject(pop(), args));
                }
                case 'Q' -> push(persistent((Object[]) pop()));
                default -> throw new Vit4jException(source + ": pickle opcode 0x" + Integer.toHexString(op)
                        + " is not one a tensor state dict uses; refused");
            }
        }
    }

    /** Refused when named, so that nothing a hostile pickle reaches for is ever resolved, let alone called. */
    private Global global(String module, String name) {
        Global g = new Global(module, name);
        boolean storage = module.equals("torch")
                && name.endsWith("Storage")
                && STORAGES.contains(name.substring(0, name.length() - "Storage".length()));
        boolean script = module.startsWith(SCRIPT_CLASSES) || SCRIPT_LIST_BUILDERS.contains(g.qualified());
        if (!storage && !script && !CALLABLES.contains(g.qualified())) {
            throw new Vit4jException("refusing " + source + ": its pickle calls " + g.qualified() + ", which a weights "
                    + "file never needs (only tensors, dicts and torch's rebuild functions are allowed, as "
                    + "torch.load(weights_only=True)); nothing was run");
        }
        return g;
    }

    private Object call(Object callable, Object[] args) {
        if (!(callable instanceof Global g)) {
            throw new Vit4jException(
                    source + ": pickle calls a " + (callable == null ? "None" : "non-function") + "; refused");
        }
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                if (args.length != 0) {
                    throw new Vit4jException(source + ": OrderedDict with arguments; refused");
                }
                return new LinkedHashMap<>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (!(args[0] instanceof StorageRef s)) {
                    throw new Vit4jException(source + ": a tensor without a storage");
                }
                return new TensorRef(s, (Long) args[1], longs(args[2]), longs(args[3]));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                return args[0];
            }
            case "torch.jit._pickle.build_intlist",
                    "torch.jit._pickle.build_doublelist",
                    "torch.jit._pickle.build_boollist",
                    "torch.jit._pickle.build_tensorlist" -> {
                return args[0];
            }
            default -> throw new Vit4jException(source + ": " + g.qualified() + " cannot be called; refused");
        }
    }

    /** NEWOBJ of a TorchScript class with no arguments: an inert holder of the attributes BUILD gives it. */
    private Object newObject(Object cls, Object[] args) {
        if (!(cls instanceof Global g) || !g.module().startsWith(SCRIPT_CLASSES) || args.length != 0) {
            throw new Vit4jException(source + ": pickle makes an object a state dict does not hold; refused");
        }
        return new ScriptObject(g.qualified(), new LinkedHashMap<>());
    }

    /**
     * OrderedDict's instance state ({@code _metadata}, the module versions) is dropped; a TorchScript module's
     * attributes are kept; nothing else is built.
     */
    private void build(Object state, Object target) {
        if (target instanceof ScriptObject o && state instanceof Map<?, ?> attributes) {
            attributes.forEach((k, v) -> o.attributes().put(k, v));
            return;
        }
        if (!(target instanceof LinkedHashMap) || !(state == null || state instanceof Map)) {
            throw new Vit4jException(
                    source + ": pickle sets the state of an object a state dict does not hold; refused");
        }
    }

    /** zip format: ('storage', type, key, location, numel); legacy adds view metadata (key, offset, size) or None. */
    private StorageRef persistent(Object[] pid) {
        if (pid.length < 5
                || !"storage".equals(pid[0])
                || !(pid[1] instanceof Global g)
                || !g.name().endsWith("Storage")) {
            throw new Vit4jException(source + ": unknown persistent id; refused");
        }
        String type = g.name().substring(0, g.name().length() - "Storage".length());
        long offset = 0;
        if (pid.length > 5 && pid[5] instanceof Object[] view) {
            offset = (Long) view[1];
        }
        return new StorageRef(type, String.valueOf(pid[2]), ((Number) pid[4]).longValue(), offset);
    }

    private static long[] longs(Object tuple) {
        Object[] t = (Object[]) tuple;
        long[] out = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = (Long) t[i];
        }
        return out;
    }

    private static Object longOf(byte[] littleEndian) {
        byte[] be = new byte[littleEndian.length];
        for (int i = 0; i < be.length; i++) {
            be[i] = littleEndian[be.length - 1 - i];
        }
        BigInteger v = be.length == 0 ? BigInteger.ZERO : new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private byte[] bytes(int n) {
        if (n < 0 || n > in.remaining()) {
            throw new Vit4jException(source + ": corrupt pickle (a length of " + n + " bytes past the end)");
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        for (byte b = in.get(); b != '\n'; b = in.get()) {
            sb.append((char) (b & 0xff));
            if (sb.length() > 256) {
                throw new Vit4jException(source + ": corrupt pickle (a global name over 256 characters)");
            }
        }
        return sb.toString();
    }

    private Map<Object, Object> setItems(Map<Object, Object> d, List<Object> kv) {
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            d.put(hashable(kv.get(i)), kv.get(i + 1));
        }
        return d;
    }

    /**
     * A dict key as Python allows it: lists and dicts are unhashable there (pickle fails with a TypeError), and here a
     * list or dict that holds itself would hash forever.
     */
    private Object hashable(Object key) {
        if (key instanceof List || key instanceof Map) {
            throw new Vit4jException(source + ": corrupt pickle (a list or dict as a dict key)");
        }
        return key;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        return (Map<Object, Object>) o;
    }

    private Object memoGet(int key) {
        if (!memo.containsKey(key)) {
            throw new Vit4jException(source + ": corrupt pickle (memo " + key + " unset)");
        }
        return memo.get(key);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object peek() {
        Object o = stack.get(stack.size() - 1);
        if (o == MARK) {
            throw new Vit4jException(source + ": corrupt pickle (mark where a value belongs)");
        }
        return o;
    }

    private Object pop() {
        Object o = peek();
        stack.remove(stack.size() - 1);
        return o;
    }

    private List<Object> popMark() {
        int at = stack.lastIndexOf(MARK);
        if (at < 0) {
            throw new Vit4jException(source + ": corrupt pickle (no mark)");
        }
        List<Object> items = new ArrayList<>(stack.subList(at + 1, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }
}
