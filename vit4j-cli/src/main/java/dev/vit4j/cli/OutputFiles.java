package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The rule for what a command writes, checked before any work: a command that writes one file takes {@code -o FILE}
 * (export, embed; convert's OUT), which must not be a folder and goes into a folder that exists, as {@code cp} and
 * {@code torch.save} expect (a typo is not silently turned into new folders, and as root {@code /nonexistent/dir} was
 * created); a command that writes several takes {@code -o DIR} (train, eval, attention, mad, demo), which must not be
 * a file and is created with its parents, as a run directory is.
 */
final class OutputFiles {
    private OutputFiles() {}

    /**
     * Refuses, before any work, an output file that is a folder (or written as one, ending in a separator), that does
     * not end in one of {@code extensions} (if any), or whose folder does not exist.
     */
    static Path file(Path file, String flag, String... extensions) {
        String text = file.toString();
        if (Files.isDirectory(file) || text.endsWith(File.separator) || text.endsWith("/")) {
            throw new Vit4jException(flag + " takes a file" + kinds(extensions) + ", not the folder " + file
                    + " (this command writes one file)");
        }
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        if (extensions.length > 0) {
            boolean ok = false;
            for (String e : extensions) {
                ok |= name.endsWith(e);
            }
            if (!ok) {
                throw new Vit4jException(flag + " must end in " + String.join(" or ", extensions) + ": " + file);
            }
        }
        return inExistingFolder(file, flag);
    }

    private static String kinds(String[] extensions) {
        return extensions.length == 0 ? "" : " (" + String.join(", ", extensions) + ")";
    }

    /**
     * {@code -o FILE} as typed: a path written as a folder ({@code outd/}) is refused here, before the trailing
     * separator is lost to {@link Path}.
     */
    static final class FileConverter implements picocli.CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            if (value.endsWith("/") || value.endsWith(File.separator)) {
                throw new picocli.CommandLine.TypeConversionException(
                        "takes a file (this command writes one), not the folder " + value);
            }
            return Path.of(value);
        }
    }

    /** Refuses, before any work, an output file whose folder does not exist. */
    static Path inExistingFolder(Path file, String what) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new Vit4jException("no such folder for " + what + " " + file + ": " + parent + " (create it first)");
        }
        return file;
    }

    /** Refuses, before any work, an output folder that is an existing file. */
    static Path folder(Path dir, String flag) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new Vit4jException(
                    flag + " takes a folder (this command writes several files), and " + dir + " is a file");
        }
        return dir;
    }
}
