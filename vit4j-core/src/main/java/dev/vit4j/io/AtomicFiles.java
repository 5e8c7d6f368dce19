package dev.vit4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a file so that readers see either the old content or the complete new one, never a half-written
 * file: the bytes go to a temporary file beside the target, are forced to disk, then moved into place.
 * The temporary file is created the way any new file is (mode 0666 less the user's umask), not with
 * {@code Files.createTempFile}'s private 0600, because the rename keeps its mode: a model exported by one
 * account must be readable by the service account that serves it. A temporary file still being written when
 * the JVM exits (a signal) is removed by a shutdown hook, so an interrupted write leaves nothing behind.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<Path> BEING_WRITTEN = ConcurrentHashMap.newKeySet();
    /**
     * Creating a temporary and registering it happen under the read lock; the exit hook takes the write lock to close
     * the door, so that every temporary made before it is registered when it removes them and none is made after it
     * (writers keep running while the JVM's exit hooks run).
     */
    private static final java.util.concurrent.locks.ReentrantReadWriteLock EXIT =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    private static boolean exiting;

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            EXIT.writeLock().lock();
                            try {
                                exiting = true;
                            } finally {
                                EXIT.writeLock().unlock();
                            }
                            BEING_WRITTEN.forEach(tmp -> tmp.toFile().delete());
                        },
                        "vit4j: remove unfinished files"));
    }

    private AtomicFiles() {}

    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp;
        EXIT.readLock().lock();
        try {
            if (exiting) {
                throw new FileSystemException(target.toString(), null, "the process is exiting");
            }
            tmp = createTemporary(dir, target.getFileName().toString());
            BEING_WRITTEN.add(tmp);
        } finally {
            EXIT.readLock().unlock();
        }
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
                    OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
                writer.write(out);
                out.flush();
                channel.force(true);
            } catch (IOException e) {
                // "No space left on device" alone does not say where: name the file that was being written.
                if (e instanceof FileSystemException) {
                    throw e;
                }
                Throwable cause = e;
                while (cause.getCause() != null && cause.getCause() != cause) {
                    cause = cause.getCause(); // an encoder's "I/O error writing PNG file!" hides the disk's reason
                }
                FileSystemException named = new FileSystemException(target.toString(), null, cause.getMessage());
                named.initCause(e);
                throw named;
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
            BEING_WRITTEN.remove(tmp);
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A new empty file {@code .NAME.RANDOM.tmp} in {@code dir}, with the permissions the umask gives. */
    private static Path createTemporary(Path dir, String name) throws IOException {
        while (true) {
            Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // another writer drew the same name: draw again
            }
        }
    }

    /** Removes the temporary files {@link #write} leaves in {@code dir} when a process is killed mid-write. */
    public static void deleteLeftovers(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(".tmp") && Files.isRegularFile(p)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
