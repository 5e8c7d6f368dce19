package dev.vit4j.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One scratch directory per fuzz class, rewritten on every input (the readers under test take paths). */
final class FuzzFiles {
    private FuzzFiles() {}

    static Path directory(String name) {
        try {
            Path dir = Files.createTempDirectory("vit4j-fuzz-" + name);
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] data) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, data);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
