package dev.vit4j.io;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Small files read whole (configs, tokenizers): their size checked against a limit before a byte is allocated; a missing file
 * is the input's fault ({@link Vit4jException}), a failing read the machine's ({@link java.io.UncheckedIOException}).
 */
public final class BoundedFiles {
    private BoundedFiles() {}

    /**
     * The bytes of {@code file}, refused when it is larger than {@code maxBytes} ({@code what} names it in the message);
     * a file that grows while read is refused too.
     */
    public static byte[] read(Path file, long maxBytes, String what) {
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new Vit4jException(what + " " + file + " is " + size + " bytes; vit4j reads at most " + maxBytes);
            }
            byte[] out = new byte[(int) size];
            try (InputStream in = Files.newInputStream(file)) {
                int n = in.readNBytes(out, 0, out.length);
                if (n != out.length || in.read() >= 0) {
                    throw new Vit4jException(what + " " + file + " changed while it was read");
                }
            }
            return out;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Vit4jException(what + " not found: " + file);
        } catch (IOException e) {
            // the disk's fault, not the input's
            throw new java.io.UncheckedIOException(e);
        }
    }
}
