package dev.vit4j.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Gathers single inputs from many request threads into batches for one worker thread, as TorchServe's and
 * Triton's dynamic batchers do: a batch runs once {@code maxBatch} inputs are queued, or once the oldest has waited
 * {@code maxDelay} — but only waits while more inputs are actually on their way (being decoded by other request
 * threads), so a lone request runs at once instead of paying the delay. The queue is bounded: a full queue refuses at
 * once ({@link QueueFullException}); inputs whose deadline passed before their batch ran are dropped with a
 * {@link TimeoutException}. Closing finishes what is queued.
 *
 * @param <I> one input (a preprocessed image)
 * @param <O> its output
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
    /** Runs one batch; returns one output per input, in order. */
    public interface BatchFunction<I, O> {
        List<O> run(List<I> inputs);
    }

    /** Told of every batch run: its size, how long each input waited in the queue, how long the run took. */
    public interface BatchListener {
        void ran(int size, long[] queuedNanos, long runNanos);
    }

    private record Job<I, O>(I input, CompletableFuture<O> result, long enqueuedNanos, long deadlineNanos) {
    }

    /** How often the worker looks again while it waits for a batch to fill (and at the closing flag). */
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final String name;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final ArrayBlockingQueue<Job<I, O>> queue;
    private final BatchFunction<I, O> function;
    private final BatchListener listener;
    private final AtomicInteger arriving = new AtomicInteger();
    private final Thread worker;
    private volatile boolean closing;

    public DynamicBatcher(String name, int maxBatch, long maxDelayMillis, int capacity, BatchFunction<I, O> function,
            BatchListener listener) {
        this.name = name;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMillis);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.function = function;
        this.listener = listener;
        this.worker = new Thread(this::loop, "vit4j-batcher-" + name);
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Prepares the input on the caller's thread (decoding, preprocessing: a bad image fails here, alone) and queues
     * it. While it is being prepared the worker knows one more input is coming and may wait for it.
     */
    public CompletableFuture<O> submit(Supplier<I> prepare, long deadlineNanos) {
        if (closing) {
            throw new QueueFullException(name + ": the server is shutting down");
        }
        I input;
        arriving.incrementAndGet();
        try {
            input = prepare.get();
        } finally {
            arriving.decrementAndGet();
        }
        Job<I, O> job = new Job<>(input, new CompletableFuture<>(), System.nanoTime(), deadlineNanos);
        if (!queue.offer(job)) {
            throw new QueueFullException(name + ": " + (queue.size() + queue.remainingCapacity())
                    + " images already queued; retry shortly");
        }
        return job.result();
    }

    /** Inputs waiting for a batch. */
    public int depth() {
        return queue.size();
    }

    private void loop() {
        List<Job<I, O>> batch = new ArrayList<>(maxBatch);
        while (true) {
            Job<I, O> first;
            try {
                first = queue.poll(POLL_NANOS * 50, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (closing && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            batch.add(first);
            fill(batch, first.enqueuedNanos() + maxDelayNanos);
            run(batch);
            batch.clear();
        }
    }

    private void fill(List<Job<I, O>> batch, long until) {
        while (batch.size() < maxBatch) {
            queue.drainTo(batch, maxBatch - batch.size());
            long left = until - System.nanoTime();
            if (batch.size() >= maxBatch || left <= 0 || arriving.get() == 0 && queue.isEmpty()) {
                return;
            }
            try {
                Job<I, O> next = queue.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
                if (next != null) {
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void run(List<Job<I, O>> batch) {
        long now = System.nanoTime();
        List<Job<I, O>> live = new ArrayList<>(batch.size());
        for (Job<I, O> job : batch) {
            if (job.result().isDone()) {
                continue; // the client gave up (timed out or went away): nothing to compute for it
            }
            if (now - job.deadlineNanos() > 0) {
                job.result().completeExceptionally(new TimeoutException("deadline passed while queued"));
                continue;
            }
            live.add(job);
        }
        if (live.isEmpty()) {
            return;
        }
        try {
            List<I> inputs = new ArrayList<>(live.size());
            long[] queued = new long[live.size()];
            for (int i = 0; i < live.size(); i++) {
                inputs.add(live.get(i).input());
                queued[i] = now - live.get(i).enqueuedNanos();
            }
            long start = System.nanoTime();
            List<O> outputs = function.run(inputs);
            listener.ran(live.size(), queued, System.nanoTime() - start);
            for (int i = 0; i < live.size(); i++) {
                live.get(i).result().complete(outputs.get(i));
            }
        } catch (RuntimeException | Error e) {
            for (Job<I, O> job : live) {
                job.result().completeExceptionally(e);
            }
        }
    }

    /** Stops taking inputs, runs everything already queued, then ends the worker. */
    @Override
    public void close() {
        closing = true;
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
