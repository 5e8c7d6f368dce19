package dev.vit4j.training;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps two training runs, in two processes or in one, out of the same run directory: both would write the
 * same checkpoints and each would delete the other's temporary files. An operating-system lock on
 * {@code DIR/.lock} (released by the system when a process dies, so a crash never leaves a stale lock); the
 * file holds the owner's process id for the error message.
 */
final class RunDirectoryLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RunDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static RunDirectoryLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(".lock");
        FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
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
            String owner = Files.readString(file, StandardCharsets.UTF_8).strip();
            throw new Vit4jException(
                    dir + " is in use by another training run" + (owner.isEmpty() ? "" : " (process " + owner + ")")
                            + ": wait for it to end, or give another output directory");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        return new RunDirectoryLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
