package dev.vit4j.training;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Keeps two training runs, in two processes or in one, out of the same run directory: both would write the
 * same checkpoints and each would delete the other's temporary files. An operating-system lock on
 * {@code DIR/.lock} (released by the system when a process dies, so a crash never leaves a stale lock); the
 * file holds the owner's process id for the error message, and is removed when the run ends.
 */
final class RunDirectoryLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunDirectoryLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    static RunDirectoryLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(".lock");
        // The owner deletes the file when it is done; one who opened it just before may lock the deleted file, so a
        // lock counts only on the file still at the path (else: open the path again).
        for (int attempt = 0; ; attempt++) {
            FileChannel channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Object opened = key(file);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException heldInThisProcess) {
                lock = null;
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                String owner = Files.exists(file)
                        ? Files.readString(file, StandardCharsets.UTF_8).strip()
                        : "";
                throw new Vit4jException(
                        dir + " is in use by another training run" + (owner.isEmpty() ? "" : " (process " + owner + ")")
                                + ": wait for it to end, or give another output directory");
            }
            if (opened == null || !opened.equals(key(file))) {
                lock.release();
                channel.close();
                if (attempt < 3) {
                    continue;
                }
                throw new Vit4jException(dir + " is in use by another training run: its lock file keeps changing");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new RunDirectoryLock(file, channel, lock);
        }
    }

    private static Object key(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Ends the run's hold: the lock file is removed (a finished run leaves none), then the lock released. */
    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(file);
            lock.release();
        } finally {
            channel.close();
        }
    }
}
