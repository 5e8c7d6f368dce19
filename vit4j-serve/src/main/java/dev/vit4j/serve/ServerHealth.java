package dev.vit4j.serve;

import java.util.concurrent.CompletableFuture;

/**
 * Whether the server's JVM can still be trusted to run models. An {@link OutOfMemoryError} (or another {@link
 * VirtualMachineError}) on any of its threads leaves the heap in a state nobody planned for: objects half-built,
 * another thread's allocation about to fail next. From then on no batch runs (ONNX Runtime is never called on a
 * broken heap), every request is answered 503, and the server stops; its owner (the command line) exits non-zero so
 * that a supervisor restarts it.
 */
final class ServerHealth {
    private final CompletableFuture<VirtualMachineError> failure = new CompletableFuture<>();

    /** Records the first fatal error; later ones change nothing. */
    void fatal(VirtualMachineError e) {
        failure.complete(e);
    }

    boolean broken() {
        return failure.isDone();
    }

    /** The fatal error, or null. */
    VirtualMachineError cause() {
        return failure.getNow(null);
    }

    /** Completes with the first fatal error. */
    CompletableFuture<VirtualMachineError> failure() {
        return failure;
    }

    /** What a request is told once the server is broken. */
    QueueFullException refusal() {
        return new QueueFullException("the server ran out of memory and is stopping; retry on another instance");
    }
}
