package dev.vit4j.serve;

/** A model's queue is full, or the server is stopping: the client should retry later (503 with Retry-After). */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(String message) {
        super(message);
    }
}
