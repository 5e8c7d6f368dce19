package dev.vit4j.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * JSON as vit4j writes it for people's tools (the server's answers, every {@code --json}): a number that is not finite
 * is written as {@code null}. JSON has no NaN or infinity; Jackson writes them as the strings {@code "NaN"} and
 * {@code "Infinity"} among numbers, which a reader expecting a number trips over, or silently reads as text.
 */
public final class Json {
    private Json() {}

    /**
     * A new mapper whose generators write non-finite floats and doubles as {@code null} (trees and objects alike); the
     * caller may configure it further.
     */
    public static ObjectMapper mapper() {
        return new ObjectMapper(factory());
    }

    /** The factory behind {@link #mapper}, for streaming writers. */
    public static JsonFactory factory() {
        return JsonFactory.builder()
                .addDecorator((f, g) -> new FiniteNumbers(g))
                .build();
    }

    private static final class FiniteNumbers extends JsonGeneratorDelegate {
        FiniteNumbers(JsonGenerator d) {
            super(d, true);
        }

        @Override
        public void writeNumber(float v) throws IOException {
            if (Float.isFinite(v)) {
                super.writeNumber(v);
            } else {
                writeNull();
            }
        }

        @Override
        public void writeArray(double[] array, int offset, int length) throws IOException {
            writeStartArray(array, length);
            for (int i = offset; i < offset + length; i++) {
                writeNumber(array[i]);
            }
            writeEndArray();
        }

        @Override
        public void writeNumber(double v) throws IOException {
            if (Double.isFinite(v)) {
                super.writeNumber(v);
            } else {
                writeNull();
            }
        }
    }
}
