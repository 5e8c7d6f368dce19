package dev.vit4j.serve;

import dev.vit4j.image.ImageDecoder;
import dev.vit4j.memory.MemoryBudget;
import io.javalin.http.HttpResponseException;
import java.util.List;

/**
 * What one request may take of the server, estimated and reserved before it is allocated or run: the heap its body,
 * its parsed form, its prepared images, their outputs and its answer will hold (from the process's {@link
 * MemoryBudget}, shared with every other request and every model load), the pixels its images decode to, and the size
 * of its answer. What does not fit is refused before anything is computed: {@code 503} + {@code Retry-After} while
 * other work holds the memory, {@code 413} if it never could fit. Released when the request ends.
 */
final class RequestBudget implements AutoCloseable {
    /**
     * A JSON body parsed into a tree: a two-character number ({@code 0,}) becomes a node of about 24 bytes and a
     * reference to it.
     */
    static final int JSON_TREE_BYTES_PER_BYTE = 16;
    /** A float written as JSON text: up to 15 characters and a separator. */
    static final int JSON_BYTES_PER_FLOAT = 16;
    /** An answer is built in a growing buffer, then copied out: up to three times its size at the peak. */
    static final int BUILD_COPIES = 3;

    private final MemoryBudget.Reservation memory;
    private final ServeOptions options;

    RequestBudget(MemoryBudget budget, ServeOptions options) {
        this.memory = budget.reserve(0, "a request");
        this.options = options;
    }

    /** Reserves {@code bytes} more for {@code what}. */
    void reserve(long bytes, String what) {
        memory.grow(bytes, what);
    }

    /**
     * The images of a request: their pixels together within {@link ServeOptions#maxRequestPixels} (from their
     * headers; one the decoder cannot read counts nothing here and fails alone when decoded), and what each prepared
     * image and its outputs hold until the answer is written.
     */
    void images(List<byte[]> encoded, ServedModel model, boolean attention) {
        long pixels = 0;
        for (byte[] e : encoded) {
            ImageDecoder.Header h = ImageDecoder.header(e);
            pixels += h == null ? 0 : h.pixels();
        }
        if (pixels > options.maxRequestPixels()) {
            throw new HttpResponseException(
                    413,
                    encoded.size() + (encoded.size() == 1 ? " image of " : " images of ") + pixels
                            + " pixels in all, above the " + options.maxRequestPixels()
                            + " one request may carry; send them in several requests");
        }
        tensors(encoded.size(), model, attention);
    }

    /** {@code count} images already preprocessed, or to be: their tensors and outputs. */
    void tensors(int count, ServedModel model, boolean attention) {
        reserve(count * model.bytesPerImage(attention), count + " images for " + model.name());
    }

    /**
     * The answer, {@code bytes} long as sent, {@code peakBytes} while it is built: within {@link
     * ServeOptions#maxResponseBytes} (else 413, saying what would make it smaller), and reserved.
     */
    void answer(long bytes, long peakBytes, String smaller) {
        if (bytes > options.maxResponseBytes()) {
            throw new HttpResponseException(
                    413,
                    "the answer would be about " + (bytes >> 20) + " MB, above the limit of "
                            + (options.maxResponseBytes() >> 20) + " MB; " + smaller);
        }
        reserve(peakBytes, "the answer");
    }

    @Override
    public void close() {
        memory.close();
    }
}
