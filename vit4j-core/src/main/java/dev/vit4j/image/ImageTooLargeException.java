package dev.vit4j.image;

import dev.vit4j.Vit4jException;

/** An image refused for its pixel count alone, before decoding (a server answers it with 413, not 400). */
public final class ImageTooLargeException extends Vit4jException {
    public ImageTooLargeException(String message) {
        super(message);
    }
}
