package dev.vit4j.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an ONNX model (opset 17) and serialises it in the ONNX protobuf wire format (field numbers of
 * {@code onnx.proto3}), with a dynamic batch dimension. Layers add their own nodes and initializers
 * ({@code Module}s export themselves next to their forward pass), so the graph and the DJL model come
 * from the same code.
 */
public final class OnnxGraph {
    public static final int OPSET = 17;
    /** Dimension value meaning "the dynamic batch size". */
    public static final long BATCH = -1;

    /** A dimension of any size, named "sequence": a text tower's tokens. */
    public static final long SEQUENCE = -2;

    private static final int FLOAT = 1;
    private static final int INT8 = 3;
    private static final int INT64 = 7;
    private static final String MICROSOFT = "com.microsoft";

    private final String name;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final java.util.Set<String> initializerNames = new java.util.HashSet<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private final Map<String, String> constants = new LinkedHashMap<>();
    private int counter;
    private boolean usesMicrosoftOps;

    public OnnxGraph(String name) {
        this.name = name;
    }

    /** A node attribute. */
    public record Attr(String name, Object value) {
        public static Attr of(String name, Object value) {
            return new Attr(name, value);
        }
    }

    public String input(String name, long... dims) {
        inputs.add(valueInfo(name, FLOAT, dims));
        return name;
    }

    /** An int64 graph input (token ids). */
    public String inputInt64(String name, long... dims) {
        inputs.add(valueInfo(name, INT64, dims));
        return name;
    }

    /** A graph output of unknown shape (attention tensors). */
    public void outputUnshaped(String tensor, String name) {
        String out = tensor.equals(name) ? tensor : node("Identity", new String[] {tensor}, name);
        try {
            byte[] tensorType = message(o -> o.writeInt32(1, FLOAT));
            byte[] type = message(o -> o.writeByteArray(1, tensorType));
            outputs.add(message(o -> {
                o.writeString(1, out);
                o.writeByteArray(2, type);
            }));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A tensor of shape 1 × T… repeated over the batch of {@code like} (B × … ): B × T…. */
    public String expandToBatch(String token, String like, long... trailing) {
        String shape = node("Shape", new String[] {like});
        String batch = node("Slice", new String[] {shape, ints(0), ints(1)});
        String target = node("Concat", new String[] {batch, ints(trailing)}, Attr.of("axis", 0L));
        return node("Expand", new String[] {token, target});
    }

    /** Mean over the tokens from {@code prefix} on (axis 1): B × N × D → B × D. */
    public String meanTokens(String x, long prefix) {
        String tokens = node("Slice", new String[] {x, ints(prefix), ints(Long.MAX_VALUE), ints(1)});
        return node("ReduceMean", new String[] {tokens}, Attr.of("axes", new long[] {1}), Attr.of("keepdims", 0L));
    }

    /** Token 0 with its axis kept: B × N × D → B × 1 × D. */
    public String firstToken(String x) {
        return node("Slice", new String[] {x, ints(0), ints(1), ints(1)});
    }

    /** Token {@code index} (axis 1): B × N × D → B × D. */
    public String token(String x, long index) {
        return node("Gather", new String[] {x, scalarInt(index)}, Attr.of("axis", 1L));
    }

    public void output(String tensor, String name, long... dims) {
        String out = tensor;
        if (!tensor.equals(name)) {
            out = node("Identity", new String[] {tensor}, name);
        }
        outputs.add(valueInfo(out, FLOAT, dims));
    }

    /** A float32 initializer (weights). */
    public String initializer(String name, long[] dims, float[] data) {
        if (!initializerNames.add(name)) {
            return name; // a module used more than once (weights shared across iterations) is stored once
        }
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        initializers.add(tensor(name, dims, FLOAT, b.array()));
        return name;
    }

    /** An int8 initializer (quantized weights). */
    public String initializerInt8(String name, long[] dims, byte[] data) {
        if (initializerNames.add(name)) {
            initializers.add(tensor(name, dims, INT8, data));
        }
        return name;
    }

    /** A 1-D int64 constant (shapes, axes, indices), shared when the same values recur. */
    public String ints(long... values) {
        return int64("ints", new long[] {values.length}, values);
    }

    /** A 1-D float constant. */
    public String floats(float... values) {
        String key = "floats" + java.util.Arrays.toString(values);
        return constants.computeIfAbsent(key, k -> {
            String n = "const_" + (counter++);
            ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            initializers.add(tensor(n, new long[] {values.length}, FLOAT, b.array()));
            return n;
        });
    }

    /** A 0-D int64 constant (a Gather index that drops the axis). */
    public String scalarInt(long value) {
        return int64("int", new long[0], new long[] {value});
    }

    /** A 0-D float constant. */
    public String scalar(float value) {
        String key = "f" + Float.floatToIntBits(value);
        return constants.computeIfAbsent(key, k -> {
            String n = "const_" + (counter++);
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
            initializers.add(tensor(n, new long[0], FLOAT, b.array()));
            return n;
        });
    }

    private String int64(String prefix, long[] dims, long[] values) {
        String key = prefix + java.util.Arrays.toString(dims) + java.util.Arrays.toString(values);
        return constants.computeIfAbsent(key, k -> {
            String n = "const_" + (counter++);
            ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : values) {
                b.putLong(v);
            }
            initializers.add(tensor(n, dims, INT64, b.array()));
            return n;
        });
    }

    /** Adds a node with one fresh output; returns the output's name. */
    public String node(String op, String[] in, Attr... attrs) {
        String out = op.toLowerCase(java.util.Locale.ROOT) + "_" + (counter++);
        return node(op, in, out, attrs);
    }

    /** Adds a node with the given output name. */
    public String node(String op, String[] in, String out, Attr... attrs) {
        nodes.add(nodeBytes("", op, in, new String[] {out}, attrs));
        return out;
    }

    /** Adds a standard node with {@code count} fresh outputs; returns their names. */
    public String[] nodeOutputs(String op, String[] in, int count, Attr... attrs) {
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            out[i] = op.toLowerCase(java.util.Locale.ROOT) + "_" + (counter++);
        }
        nodes.add(nodeBytes("", op, in, out, attrs));
        return out;
    }

    /**
     * Adds a node from ONNX Runtime's {@code com.microsoft} domain (fused kernels such as {@code Attention} or
     * {@code SkipLayerNormalization}); returns the names of its outputs, one per index in {@code used} (the
     * optional outputs in between stay unnamed, so ONNX Runtime does not compute them). An input given as ""
     * is an omitted optional one.
     */
    public String[] microsoftNode(String op, String[] in, int[] used, Attr... attrs) {
        String[] out = new String[java.util.Arrays.stream(used).max().orElse(0) + 1];
        java.util.Arrays.fill(out, "");
        String[] names = new String[used.length];
        for (int i = 0; i < used.length; i++) {
            names[i] = op.toLowerCase(java.util.Locale.ROOT) + "_" + (counter++);
            out[used[i]] = names[i];
        }
        nodes.add(nodeBytes(MICROSOFT, op, in, out, attrs));
        usesMicrosoftOps = true;
        return names;
    }

    /**
     * The model's bytes, written once into an array of their exact size: the initializers (the weights) and this array
     * are the only copies, where growing buffers for the graph and then the model held up to four more.
     */
    public byte[] toBytes(String producer) {
        try {
            long graphSize = CodedOutputStream.computeStringSize(2, name);
            for (byte[] n : nodes) {
                graphSize += CodedOutputStream.computeByteArraySize(1, n);
            }
            for (byte[] t : initializers) {
                graphSize += CodedOutputStream.computeByteArraySize(5, t);
            }
            for (byte[] v : inputs) {
                graphSize += CodedOutputStream.computeByteArraySize(11, v);
            }
            for (byte[] v : outputs) {
                graphSize += CodedOutputStream.computeByteArraySize(12, v);
            }
            byte[] defaultOpset = opset("", OPSET);
            byte[] microsoftOpset = usesMicrosoftOps ? opset(MICROSOFT, 1) : null;
            long modelSize = CodedOutputStream.computeInt64Size(1, 8)
                    + CodedOutputStream.computeStringSize(2, producer)
                    + CodedOutputStream.computeStringSize(3, "0.2.0")
                    + CodedOutputStream.computeTagSize(7)
                    + CodedOutputStream.computeUInt64SizeNoTag(graphSize)
                    + graphSize
                    + CodedOutputStream.computeByteArraySize(8, defaultOpset)
                    + (microsoftOpset == null ? 0 : CodedOutputStream.computeByteArraySize(8, microsoftOpset));
            if (graphSize > Integer.MAX_VALUE - 64 || modelSize > Integer.MAX_VALUE - 8) {
                // protobuf's limit, and ONNX's for a model without external data
                throw new dev.vit4j.Vit4jException("the ONNX model of " + name + " would be " + (modelSize >> 20)
                        + " MB, more than the 2 GB one ONNX file holds");
            }
            byte[] model = new byte[(int) modelSize];
            CodedOutputStream m = CodedOutputStream.newInstance(model);
            m.writeInt64(1, 8);
            m.writeString(2, producer);
            m.writeString(3, "0.2.0");
            m.writeTag(7, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            m.writeUInt64NoTag(graphSize);
            for (byte[] n : nodes) {
                m.writeByteArray(1, n);
            }
            m.writeString(2, name);
            for (byte[] t : initializers) {
                m.writeByteArray(5, t);
            }
            for (byte[] v : inputs) {
                m.writeByteArray(11, v);
            }
            for (byte[] v : outputs) {
                m.writeByteArray(12, v);
            }
            m.writeByteArray(8, defaultOpset);
            if (microsoftOpset != null) {
                m.writeByteArray(8, microsoftOpset);
            }
            m.checkNoSpaceLeft();
            return model;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] opset(String domain, long version) throws IOException {
        return message(o -> {
            o.writeString(1, domain);
            o.writeInt64(2, version);
        });
    }

    private static byte[] nodeBytes(String domain, String op, String[] in, String[] out, Attr[] attrs) {
        try {
            return message(o -> {
                for (String i : in) {
                    o.writeString(1, i);
                }
                for (String x : out) {
                    o.writeString(2, x);
                }
                o.writeString(
                        3,
                        java.util.Arrays.stream(out)
                                        .filter(x -> !x.isEmpty())
                                        .findFirst()
                                        .orElseThrow() + "_node");
                o.writeString(4, op);
                for (Attr a : attrs) {
                    o.writeByteArray(5, attribute(a));
                }
                if (!domain.isEmpty()) {
                    o.writeString(7, domain);
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] attribute(Attr a) throws IOException {
        return message(o -> {
            o.writeString(1, a.name());
            Object v = a.value();
            if (v instanceof Float || v instanceof Double) {
                o.writeFloat(2, ((Number) v).floatValue());
                o.writeEnum(20, 1);
            } else if (v instanceof Integer || v instanceof Long) {
                o.writeInt64(3, ((Number) v).longValue());
                o.writeEnum(20, 2);
            } else if (v instanceof String s) {
                o.writeBytes(4, ByteString.copyFromUtf8(s));
                o.writeEnum(20, 3);
            } else if (v instanceof float[] values) {
                // a tensor attribute (ConstantOfShape's value)
                ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(values);
                o.writeByteArray(5, tensor("", new long[] {values.length}, FLOAT, b.array()));
                o.writeEnum(20, 4);
            } else if (v instanceof long[] ints) {
                for (long i : ints) {
                    o.writeInt64(8, i);
                }
                o.writeEnum(20, 7);
            } else {
                throw new IllegalArgumentException("unsupported attribute " + a);
            }
        });
    }

    private static byte[] tensor(String name, long[] dims, int type, byte[] raw) {
        try {
            return message(o -> {
                for (long d : dims) {
                    o.writeInt64(1, d);
                }
                o.writeInt32(2, type);
                o.writeString(8, name);
                o.writeBytes(9, ByteString.copyFrom(raw));
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] valueInfo(String name, int elementType, long[] dims) {
        try {
            byte[] shape = message(o -> {
                for (long d : dims) {
                    o.writeByteArray(1, message(dim -> {
                        if (d == BATCH) {
                            dim.writeString(2, "batch");
                        } else if (d == SEQUENCE) {
                            dim.writeString(2, "sequence");
                        } else {
                            dim.writeInt64(1, d);
                        }
                    }));
                }
            });
            byte[] tensorType = message(o -> {
                o.writeInt32(1, elementType);
                o.writeByteArray(2, shape);
            });
            byte[] type = message(o -> o.writeByteArray(1, tensorType));
            return message(o -> {
                o.writeString(1, name);
                o.writeByteArray(2, type);
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface Body {
        void write(CodedOutputStream o) throws IOException;
    }

    private static byte[] message(Body body) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(b);
        body.write(o);
        o.flush();
        return b.toByteArray();
    }
}
