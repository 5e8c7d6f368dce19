package dev.vit4j;

/**
 * A problem with what the user gave us (a file, a model name, weights that don't fit), as opposed to a bug.
 * The command line turns it into one line on stderr and exit code 2.
 */
public class Vit4jException extends RuntimeException {
    public Vit4jException(String message) {
        super(message);
    }

    public Vit4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
