package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The rule for what a command writes: an output file (convert's OUT, export's and embed's -o) goes into a folder that
 * exists, as {@code cp} and {@code torch.save} expect (a typo is not silently turned into new folders, and as root
 * {@code /nonexistent/dir} was created); an output directory (-o DIR of train, eval, attention, mad) is created with
 * its parents, as a run directory is.
 */
final class OutputFiles {
    private OutputFiles() {}

    /** Refuses, before any work, an output file whose folder does not exist. */
    static Path inExistingFolder(Path file, String what) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new Vit4jException("no such folder for " + what + " " + file + ": " + parent + " (create it first)");
        }
        return file;
    }
}
