package dev.vit4j.inference;

import ai.onnxruntime.OrtException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Every call vit4j makes into ONNX Runtime (a session's run or creation) goes through {@link #call}, so that a
 * process can end cleanly in the middle of inference: ONNX Runtime's Java binding releases its environment in a
 * JVM shutdown hook, and a run still under way then dies with SIGSEGV (seen on SIGTERM during
 * {@code vit4j predict}: exit 134 and an hs_err file). Before {@code System.exit} on a signal, call
 * {@link #finishAndRefuseNew}: it waits for the runs under way and lets no new one start.
 *
 * <p>A separate class from {@link OnnxRuntimeEnvironment} so that using it does not load ONNX Runtime.
 */
public final class OnnxRuntimeRuns {
    private static final ReentrantReadWriteLock RUNS = new ReentrantReadWriteLock();

    private OnnxRuntimeRuns() {}

    /** A call into ONNX Runtime. */
    @FunctionalInterface
    public interface OrtCall<T> {
        T call() throws OrtException;
    }

    /** Makes {@code call}; after {@link #finishAndRefuseNew} it waits instead, for the process's exit. */
    public static <T> T call(OrtCall<T> call) throws OrtException {
        Lock run = RUNS.readLock();
        run.lock();
        try {
            return call.call();
        } finally {
            run.unlock();
        }
    }

    /**
     * Waits, at most {@code limit}, for the calls under way to return, and from then on lets no call start: for a
     * process about to exit. Returns whether every call had returned in time. Not from a thread inside a call.
     */
    public static boolean finishAndRefuseNew(Duration limit) {
        try {
            return RUNS.writeLock().tryLock(limit.toMillis(), TimeUnit.MILLISECONDS); // held until the process ends
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
