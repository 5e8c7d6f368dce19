package dev.vit4j.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vit4j.Vit4jException;
import io.javalin.http.HttpResponseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;

/**
 * The bodies of the Open Inference Protocol's (KServe v2) inference request and response, REST, with the binary
 * tensor data extension: a JSON header of {@code Inference-Header-Content-Length} bytes followed by the tensors marked
 * {@code binary_data_size}, in order (FP32 little-endian, row-major; BYTES as a 4-byte little-endian length before each
 * element). Tensors here are FP32 or BYTES; in JSON, FP32 data may be flat or nested (row-major) and BYTES elements
 * are base64 strings (JSON strings cannot carry an encoded image's bytes). Every size is checked against the shape and
 * the caller's limit before anything is allocated for it.
 */
final class InferenceTensors {
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    static final String FP32 = "FP32";
    static final String BYTES = "BYTES";

    /** One input: {@code fp32} for FP32, {@code bytes} (one array per element) for BYTES. */
    record Input(String name, String datatype, long[] shape, float[] fp32, List<byte[]> bytes) {}

    /** An output the request names: in binary or JSON, and with {@code classification} &gt; 0 as top-k labels. */
    record RequestedOutput(String name, boolean binary, int classification) {}

    /** {@code outputs} empty: the model's default outputs; {@code binaryOutputs}: the request-wide default. */
    record Request(String id, List<Input> inputs, List<RequestedOutput> outputs, boolean binaryOutputs) {}

    /** One output: FP32 data or BYTES elements. */
    record Output(String name, String datatype, long[] shape, float[] fp32, List<byte[]> bytes, boolean binary) {}

    /** A response body; {@code headerLength} is the JSON part's length when tensors follow it in binary, else -1. */
    record Encoded(byte[] body, int headerLength) {}

    private InferenceTensors() {}

    /**
     * A request body; {@code headerLength} is the {@code Inference-Header-Content-Length} header (null: all JSON).
     * {@code maxElements} bounds each input's element count (its shape's product).
     */
    static Request parse(ObjectMapper json, byte[] body, String headerLength, ElementLimit maxElements) {
        return parse(json, body, headerLength, maxElements, name -> false);
    }

    /**
     * As {@link #parse(ObjectMapper, byte[], String, ElementLimit)}, with the BYTES inputs that carry text named: in
     * JSON their elements are the strings themselves, as Triton's clients send them (binary data is their UTF-8).
     */
    static Request parse(
            ObjectMapper json,
            byte[] body,
            String headerLength,
            ElementLimit maxElements,
            java.util.function.Predicate<String> textInput) {
        int jsonLength = body.length;
        if (headerLength != null) {
            jsonLength = jsonLength(headerLength);
            if (jsonLength < 1 || jsonLength > body.length) {
                throw new Vit4jException(HEADER_LENGTH + " must be a whole number from 1 to the body's " + body.length
                        + " bytes, not '" + headerLength + "'");
            }
        }
        JsonNode root;
        try {
            root = json.readTree(body, 0, jsonLength);
        } catch (IOException e) {
            throw new Vit4jException("the request is not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new Vit4jException("the request must be a JSON object with \"inputs\"");
        }
        JsonNode inputs = root.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw new Vit4jException("the request needs \"inputs\": a non-empty array of tensors");
        }
        ByteBuffer binary = ByteBuffer.wrap(body, jsonLength, body.length - jsonLength)
                .slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        List<Input> parsed = new ArrayList<>();
        for (JsonNode input : inputs) {
            parsed.add(input(input, binary, maxElements, textInput));
        }
        if (binary.hasRemaining()) {
            throw new Vit4jException(binary.remaining() + " bytes of binary data after the header that no input's"
                    + " binary_data_size accounts for");
        }
        List<RequestedOutput> outputs = new ArrayList<>();
        JsonNode requested = root.get("outputs");
        if (requested != null && !requested.isNull()) {
            if (!requested.isArray()) {
                throw new Vit4jException("\"outputs\" must be an array of {\"name\": ...}");
            }
            for (JsonNode o : requested) {
                JsonNode params = o.path("parameters");
                outputs.add(new RequestedOutput(
                        text(o, "name", "an output"), flag(params, "binary_data"), count(params, "classification")));
            }
        }
        JsonNode id = root.get("id");
        if (id != null && !id.isNull() && !id.isTextual()) {
            throw new Vit4jException("\"id\" must be a string");
        }
        return new Request(
                id == null || id.isNull() ? null : id.asText(),
                parsed,
                outputs,
                flag(root.path("parameters"), "binary_data_output"));
    }

    /** The {@code Inference-Header-Content-Length} header's value; -1 if it is not a number. */
    static int jsonLength(String headerLength) {
        try {
            return Integer.parseInt(headerLength.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The most elements an input may have, by name and datatype (its model's limit). */
    interface ElementLimit {
        long of(String name, String datatype);
    }

    private static Input input(
            JsonNode node, ByteBuffer binary, ElementLimit maxElements, java.util.function.Predicate<String> text) {
        String name = text(node, "name", "an input");
        String datatype = text(node, "datatype", "input '" + name + "'");
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new Vit4jException("input '" + name + "' needs \"shape\": an array of sizes");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        long limit = maxElements.of(name, datatype);
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new Vit4jException("input '" + name + "': shape " + shapeNode + " must be sizes of 0 or more");
            }
            shape[i] = d.asLong();
            elements = shape[i] == 0 || elements <= limit / shape[i] ? elements * shape[i] : limit + 1;
        }
        if (elements > limit) {
            throw new HttpResponseException(
                    413,
                    "input '" + name + "' of shape " + shapeNode + " has more than the " + limit
                            + " elements a request may carry");
        }
        int count = (int) elements;
        JsonNode params = node.path("parameters");
        JsonNode size = params.get("binary_data_size");
        JsonNode data = node.get("data");
        if (size != null && data != null) {
            throw new Vit4jException("input '" + name + "' has both \"data\" and binary_data_size; give one");
        }
        if (size == null && data == null) {
            throw new Vit4jException("input '" + name + "' has no \"data\" and no binary_data_size");
        }
        switch (datatype) {
            case FP32 -> {
                float[] values = size != null ? binaryFloats(name, size, count, binary) : jsonFloats(name, data, count);
                for (int i = 0; i < values.length; i++) {
                    if (!Float.isFinite(values[i])) {
                        throw new Vit4jException("input '" + name + "': value " + i + " is " + values[i]
                                + " (a float32 tensor here holds finite numbers only)");
                    }
                }
                return new Input(name, datatype, shape, values, null);
            }
            case BYTES -> {
                List<byte[]> values = size != null
                        ? binaryBytes(name, size, count, binary)
                        : jsonBytes(name, data, count, text.test(name));
                return new Input(name, datatype, shape, null, values);
            }
            default -> throw new Vit4jException(
                    "input '" + name + "': datatype " + datatype + " is not one this server takes (FP32 or BYTES)");
        }
    }

    private static int binarySize(String name, JsonNode size, ByteBuffer binary) {
        if (!size.isIntegralNumber() || size.asLong() < 0) {
            throw new Vit4jException("input '" + name + "': binary_data_size must be a whole number of bytes");
        }
        if (size.asLong() > binary.remaining()) {
            throw new Vit4jException("input '" + name + "': binary_data_size " + size.asLong() + " but only "
                    + binary.remaining() + " bytes of binary data are left in the body");
        }
        return (int) size.asLong();
    }

    private static float[] binaryFloats(String name, JsonNode size, int count, ByteBuffer binary) {
        int bytes = binarySize(name, size, binary);
        if (bytes != 4L * count) {
            throw new Vit4jException("input '" + name + "': " + count + " FP32 values are " + 4L * count
                    + " bytes, but binary_data_size is " + bytes);
        }
        float[] values = new float[count];
        binary.asFloatBuffer().get(values);
        binary.position(binary.position() + bytes);
        return values;
    }

    private static List<byte[]> binaryBytes(String name, JsonNode size, int count, ByteBuffer binary) {
        int bytes = binarySize(name, size, binary);
        ByteBuffer mine = binary.slice().limit(bytes).order(ByteOrder.LITTLE_ENDIAN);
        binary.position(binary.position() + bytes);
        List<byte[]> values = new ArrayList<>();
        while (mine.hasRemaining()) {
            if (mine.remaining() < 4) {
                throw new Vit4jException("input '" + name + "': BYTES data ends inside an element's 4-byte length");
            }
            long length = Integer.toUnsignedLong(mine.getInt());
            if (length > mine.remaining()) {
                throw new Vit4jException("input '" + name + "': a BYTES element of " + length + " bytes, but only "
                        + mine.remaining() + " are left in its binary_data_size");
            }
            if (values.size() == count) {
                throw new Vit4jException("input '" + name + "': more BYTES elements than its shape's " + count);
            }
            byte[] element = new byte[(int) length];
            mine.get(element);
            values.add(element);
        }
        if (values.size() != count) {
            throw new Vit4jException(
                    "input '" + name + "': " + values.size() + " BYTES elements, but its shape has " + count);
        }
        return values;
    }

    private static float[] jsonFloats(String name, JsonNode data, int count) {
        float[] values = new float[count];
        int n = flatten(name, data, values, 0);
        if (n != count) {
            throw new Vit4jException("input '" + name + "': " + n + " values in \"data\", but its shape has " + count);
        }
        return values;
    }

    /** Writes {@code node}'s numbers, nested arrays in row-major order, from {@code at}; returns how many there are. */
    private static int flatten(String name, JsonNode node, float[] out, int at) {
        if (node.isNumber()) {
            if (at < out.length) {
                out[at] = node.floatValue();
            }
            return at + 1;
        }
        if (!node.isArray()) {
            throw new Vit4jException(
                    "input '" + name + "': FP32 \"data\" holds " + node.getNodeType() + ", not numbers");
        }
        int n = at;
        for (JsonNode e : node) {
            n = flatten(name, e, out, n);
            if (n > out.length) {
                return n; // more than the shape: counted no further
            }
        }
        return n;
    }

    private static List<byte[]> jsonBytes(String name, JsonNode data, int count, boolean text) {
        List<byte[]> values = new ArrayList<>();
        List<JsonNode> elements = new ArrayList<>();
        collect(data, elements, count);
        if (elements.size() != count) {
            throw new Vit4jException("input '" + name + "': " + (elements.size() > count ? "more than " : "")
                    + elements.size() + " elements in \"data\", but its shape has " + count);
        }
        for (JsonNode e : elements) {
            if (!e.isTextual()) {
                throw new Vit4jException("input '" + name + "': BYTES \"data\" holds " + e.getNodeType() + ", not "
                        + (text ? "strings" : "base64 strings"));
            }
            if (text) {
                values.add(e.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                continue;
            }
            try {
                values.add(Base64.getDecoder().decode(e.asText()));
            } catch (IllegalArgumentException bad) {
                throw new Vit4jException("input '" + name + "': a BYTES element is not base64 (send encoded images"
                        + " as base64 strings in JSON, or as binary data)");
            }
        }
        return values;
    }

    private static void collect(JsonNode node, List<JsonNode> out, int count) {
        if (!node.isArray()) {
            out.add(node);
            return;
        }
        for (Iterator<JsonNode> it = node.elements(); it.hasNext() && out.size() <= count; ) {
            collect(it.next(), out, count);
        }
    }

    private static String text(JsonNode node, String field, String what) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new Vit4jException(what + " needs \"" + field + "\": a string");
        }
        return v.asText();
    }

    private static boolean flag(JsonNode params, String name) {
        JsonNode v = params.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new Vit4jException("parameter " + name + " must be true or false");
        }
        return v.asBoolean();
    }

    private static int count(JsonNode params, String name) {
        JsonNode v = params.get(name);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > Integer.MAX_VALUE) {
            throw new Vit4jException("parameter " + name + " must be a whole number of 1 or more");
        }
        return v.asInt();
    }

    private static String firstLine(String s) {
        return String.valueOf(s).split("\n", 2)[0];
    }

    /** The response: JSON alone, or a JSON header and the binary outputs after it. */
    static Encoded encode(ObjectMapper json, String model, String version, String id, List<Output> outputs) {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        try (JsonGenerator g = json.getFactory().createGenerator(header)) {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", version);
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeArrayFieldStart("outputs");
            for (Output o : outputs) {
                g.writeStartObject();
                g.writeStringField("name", o.name());
                g.writeStringField("datatype", o.datatype());
                g.writeArrayFieldStart("shape");
                for (long d : o.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                if (o.binary()) {
                    byte[] data = binary(o);
                    binary.write(data);
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", data.length);
                    g.writeEndObject();
                } else {
                    g.writeArrayFieldStart("data");
                    if (o.fp32() != null) {
                        for (float v : o.fp32()) {
                            g.writeNumber(v);
                        }
                    } else {
                        for (byte[] b : o.bytes()) {
                            g.writeString(new String(b, StandardCharsets.UTF_8));
                        }
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (binary.size() == 0) {
            return new Encoded(header.toByteArray(), -1);
        }
        int headerLength = header.size();
        header.writeBytes(binary.toByteArray());
        return new Encoded(header.toByteArray(), headerLength);
    }

    private static byte[] binary(Output o) {
        if (o.fp32() != null) {
            ByteBuffer b = ByteBuffer.allocate(4 * o.fp32().length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(o.fp32());
            return b.array();
        }
        int size = 0;
        for (byte[] e : o.bytes()) {
            size += 4 + e.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] e : o.bytes()) {
            b.putInt(e.length).put(e);
        }
        return b.array();
    }
}
