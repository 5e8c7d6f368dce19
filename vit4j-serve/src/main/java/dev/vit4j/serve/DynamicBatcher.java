package dev.vit4j.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Gathers single inputs from many request threads into batches for {@code workers} worker threads, as TorchServe's,
 * Triton's and DJL Serving's dynamic batchers do: a batch runs once {@code maxBatch} inputs are queued, or once the
 * oldest has waited {@code maxDelay} — but only waits while more inputs are actually on their way, so a lone request
 * runs at once instead of paying the delay. A worker prepares (decodes, preprocesses) its batch's inputs just before
 * running it, on the {@code preparers} pool, in parallel; with two or more workers one prepares its batch while
 * another's runs on the engine, so neither the cores nor the engine wait (docs/serving.md measures it: preparing on
 * the request threads instead preempted the engine's threads mid-operation and slowed every batch). Inputs that
 * arrive while a batch is being prepared join it. An input whose preparation fails fails alone. The queue
 * is bounded: a full queue refuses at once ({@link QueueFullException}); inputs whose deadline passed before their
 * batch ran are dropped with a {@link TimeoutException}. Closing finishes what is queued. An {@link OutOfMemoryError}
 * (any {@link VirtualMachineError}) while preparing or running is reported to the {@link ServerHealth}; from then on
 * this batcher (and every other of the server) runs nothing more and refuses what is queued.
 *
 * @param <R> one input as it arrives (an encoded image)
 * @param <I> one prepared input (a preprocessed image)
 * @param <O> its output
 */
public final class DynamicBatcher<R, I, O> implements AutoCloseable {
    /** Prepares one input; throws (a bad image) to fail it alone. */
    public interface Preparation<R, I> {
        I prepare(R raw);
    }

    /** Runs one batch; returns one output per input, in order. */
    public interface BatchFunction<I, O> {
        List<O> run(List<I> inputs);
    }

    /** Told of every batch run: its size, how long each input waited in the queue, how long the run took. */
    public interface BatchListener {
        void ran(int size, long[] queuedNanos, long runNanos);
    }

    private static final class Job<R, I, O> {
        final R raw;
        final CompletableFuture<O> result = new CompletableFuture<>();
        final long enqueuedNanos;
        final long deadlineNanos;
        I input;

        Job(R raw, long enqueuedNanos, long deadlineNanos) {
            this.raw = raw;
            this.enqueuedNanos = enqueuedNanos;
            this.deadlineNanos = deadlineNanos;
        }
    }

    /** How often the worker looks again while it waits for a batch to fill (and at the closing flag). */
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final String name;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final ArrayBlockingQueue<Job<R, I, O>> queue;
    private final Preparation<R, I> preparation;
    private final Executor preparers;
    private final BatchFunction<I, O> function;
    private final BatchListener listener;
    private final ServerHealth health;
    private final AtomicInteger arriving = new AtomicInteger();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closing;

    public DynamicBatcher(
            String name,
            int maxBatch,
            long maxDelayMillis,
            int capacity,
            int workers,
            Preparation<R, I> preparation,
            Executor preparers,
            BatchFunction<I, O> function,
            BatchListener listener,
            ServerHealth health) {
        this.name = name;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMillis);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.preparation = preparation;
        this.preparers = preparers;
        this.function = function;
        this.listener = listener;
        this.health = health;
        for (int i = 0; i < Math.max(1, workers); i++) {
            Thread worker = new Thread(this::loop, "vit4j-batcher-" + name + "-" + i);
            worker.setDaemon(true);
            this.workers.add(worker);
            worker.start();
        }
    }

    /**
     * Queues an input; {@code arrive} runs first on the caller's thread (reading the upload), and while it does the
     * worker knows one more input is coming and may wait for it.
     */
    public CompletableFuture<O> submit(Supplier<R> arrive, long deadlineNanos) {
        if (health.broken()) {
            throw health.refusal();
        }
        if (closing) {
            throw new QueueFullException(name + ": the server is shutting down");
        }
        R raw;
        arriving.incrementAndGet();
        try {
            raw = arrive.get();
        } finally {
            arriving.decrementAndGet();
        }
        Job<R, I, O> job = new Job<>(raw, System.nanoTime(), deadlineNanos);
        if (!queue.offer(job)) {
            throw new QueueFullException(
                    name + ": " + (queue.size() + queue.remainingCapacity()) + " images already queued; retry shortly");
        }
        return job.result;
    }

    /** Inputs waiting for a batch. */
    public int depth() {
        return queue.size();
    }

    private void loop() {
        List<Job<R, I, O>> batch = new ArrayList<>(maxBatch);
        while (true) {
            Job<R, I, O> first;
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
            fill(batch, first.enqueuedNanos + maxDelayNanos);
            prepare(batch);
            run(batch);
            batch.clear();
        }
    }

    private void fill(List<Job<R, I, O>> batch, long until) {
        while (batch.size() < maxBatch) {
            queue.drainTo(batch, maxBatch - batch.size());
            long left = until - System.nanoTime();
            if (batch.size() >= maxBatch || left <= 0 || arriving.get() == 0 && queue.isEmpty()) {
                return;
            }
            try {
                Job<R, I, O> next = queue.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
                if (next != null) {
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Prepares the batch's live inputs in parallel, then takes in whatever arrived meanwhile (up to {@code maxBatch})
     * and prepares that too, until nothing more came. Inputs that failed are completed with their error and removed.
     */
    private void prepare(List<Job<R, I, O>> batch) {
        int from = 0;
        while (from < batch.size()) {
            long now = System.nanoTime();
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (Job<R, I, O> job : batch.subList(from, batch.size())) {
                if (expired(job, now)) {
                    continue;
                }
                pending.add(CompletableFuture.runAsync(
                        () -> {
                            try {
                                job.input = preparation.prepare(job.raw);
                            } catch (RuntimeException e) {
                                job.result.completeExceptionally(e);
                            } catch (VirtualMachineError e) {
                                health.fatal(e);
                                job.result.completeExceptionally(health.refusal());
                            }
                        },
                        preparers));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
            from = batch.size();
            queue.drainTo(batch, maxBatch - batch.size());
        }
        batch.removeIf(job -> job.result.isDone());
    }

    /** Completes a job whose client gave up or whose deadline passed; true if it needs no work. */
    private boolean expired(Job<R, I, O> job, long now) {
        if (!job.result.isDone() && now - job.deadlineNanos > 0) {
            job.result.completeExceptionally(new TimeoutException("deadline passed while queued"));
        }
        return job.result.isDone(); // also when the client timed out or went away: nothing to compute for it
    }

    private void run(List<Job<R, I, O>> batch) {
        long now = System.nanoTime();
        List<Job<R, I, O>> live = new ArrayList<>(batch.size());
        for (Job<R, I, O> job : batch) {
            if (!expired(job, now)) {
                live.add(job);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        if (health.broken()) {
            live.forEach(job -> job.result.completeExceptionally(health.refusal()));
            return;
        }
        try {
            List<I> inputs = new ArrayList<>(live.size());
            long[] queued = new long[live.size()];
            for (int i = 0; i < live.size(); i++) {
                inputs.add(live.get(i).input);
                queued[i] = now - live.get(i).enqueuedNanos;
            }
            long start = System.nanoTime();
            List<O> outputs = function.run(inputs);
            listener.ran(live.size(), queued, System.nanoTime() - start);
            for (int i = 0; i < live.size(); i++) {
                live.get(i).result.complete(outputs.get(i));
            }
        } catch (VirtualMachineError e) {
            health.fatal(e);
            live.forEach(job -> job.result.completeExceptionally(health.refusal()));
        } catch (RuntimeException | Error e) {
            for (Job<R, I, O> job : live) {
                job.result.completeExceptionally(e);
            }
        }
    }

    /** Stops taking inputs, runs everything already queued, then ends the workers. */
    @Override
    public void close() {
        closing = true;
        try {
            for (Thread worker : workers) {
                worker.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
