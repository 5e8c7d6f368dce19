package dev.vit4j.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;

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

    /**
     * The factory behind {@link #mapper}, for streaming writers. (A subclass rather than Jackson's generator
     * decorators, which arrived in 2.16: Spark 3.5 brings Jackson 2.15.)
     */
    public static JsonFactory factory() {
        return new FiniteFactory();
    }

    private static final class FiniteFactory extends JsonFactory {
        private static final long serialVersionUID = 1L;

        @Override
        protected JsonGenerator _createGenerator(Writer out, IOContext ctxt) throws IOException {
            return new FiniteNumbers(super._createGenerator(out, ctxt));
        }

        @Override
        protected JsonGenerator _createUTF8Generator(OutputStream out, IOContext ctxt) throws IOException {
            return new FiniteNumbers(super._createUTF8Generator(out, ctxt));
        }

        @Override
        public JsonFactory copy() {
            return new FiniteFactory();
        }
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
