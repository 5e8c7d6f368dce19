package dev.vit4j.data;

import dev.vit4j.Vit4jException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Assembles batches on background threads while the model computes: a few batches ahead, in a fixed
 * order. Each example's randomness comes from (seed, epoch, position), so the batches are the same
 * whatever the thread timing. A file that cannot be decoded is reported once and never fatal: in training
 * it is replaced by the next example (batches stay whole), in evaluation order it is left out (no other image
 * is counted twice; {@link #skipped} says how many).
 */
public final class BatchLoader implements AutoCloseable {
    /** Turns an example into a model input (C × H × W floats), using the given randomness. */
    @FunctionalInterface
    public interface Transform {
        float[] apply(Example e, SplittableRandom random);
    }

    /** One batch: inputs (B × C × H × W), labels, and the examples' boxes where known. */
    public record Batch(float[] inputs, int[] labels, Example.Box[] boxes, int size) {}

    private final Dataset data;
    private final Transform transform;
    private final int batchSize;
    private final int inputSize;
    private final ExecutorService pool;
    private final Consumer<String> warnings;
    private final Set<Integer> reported = ConcurrentHashMap.newKeySet();

    public BatchLoader(
            Dataset data, Transform transform, int batchSize, int inputSize, int threads, Consumer<String> warnings) {
        this.data = data;
        this.transform = transform;
        this.batchSize = batchSize;
        this.inputSize = inputSize;
        this.warnings = warnings;
        this.pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "vit4j-loader");
            t.setDaemon(true);
            return t;
        });
    }

    public int batches(int examples) {
        return (examples + batchSize - 1) / batchSize;
    }

    /** Every readable example in dataset order (evaluation): unreadable ones are left out, and counted. */
    public void forEachInOrder(Consumer<Batch> consumer) {
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        stream(order, 0, 0, false, consumer);
    }

    /** How many unreadable examples were left out or replaced so far. */
    public int skipped() {
        return reported.size();
    }

    /** Streams the batches of {@code order} (dataset indices) to {@code consumer}, prefetching ahead. */
    public void forEach(int[] order, long seed, int epoch, Consumer<Batch> consumer) {
        stream(order, seed, epoch, true, consumer);
    }

    private void stream(int[] order, long seed, int epoch, boolean substitute, Consumer<Batch> consumer) {
        int n = batches(order.length);
        Deque<Future<Batch>> ahead = new ArrayDeque<>();
        int next = 0;
        int prefetch = 4;
        try {
            for (int b = 0; b < n; b++) {
                while (next < n && ahead.size() < prefetch) {
                    final int k = next++;
                    ahead.add(pool.submit(() -> build(order, k, seed, epoch, substitute)));
                }
                Batch batch = ahead.poll().get();
                if (batch.size() > 0) {
                    consumer.accept(batch);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading data", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            ahead.forEach(f -> f.cancel(true));
        }
    }

    private Batch build(int[] order, int k, long seed, int epoch, boolean substitute) {
        int start = k * batchSize;
        int size = Math.min(batchSize, order.length - start);
        float[] inputs = new float[size * inputSize];
        int[] labels = new int[size];
        Example.Box[] boxes = new Example.Box[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            int position = start + i;
            SplittableRandom r = new SplittableRandom(mix(seed, epoch, position));
            Example e = substitute ? load(order[position]) : loadOrNull(order[position]);
            if (e == null) {
                continue;
            }
            float[] x = transform.apply(e, r);
            System.arraycopy(x, 0, inputs, n * inputSize, inputSize);
            labels[n] = e.label();
            boxes[n] = e.box();
            n++;
        }
        return n == size
                ? new Batch(inputs, labels, boxes, size)
                : new Batch(Arrays.copyOf(inputs, n * inputSize), Arrays.copyOf(labels, n), Arrays.copyOf(boxes, n), n);
    }

    private Example loadOrNull(int index) {
        try {
            return data.get(index);
        } catch (Vit4jException bad) {
            if (reported.add(index)) {
                warnings.accept("leaving out unreadable example " + index + ": " + bad.getMessage());
            }
            return null;
        }
    }

    private Example load(int index) {
        for (int attempt = 0; attempt < 16; attempt++) {
            int i = (index + attempt) % data.size();
            try {
                return data.get(i);
            } catch (Vit4jException bad) {
                if (reported.add(i)) {
                    warnings.accept("skipping unreadable example " + i + ": " + bad.getMessage());
                }
            }
        }
        throw new Vit4jException("16 consecutive unreadable examples from " + index + " in " + data.describe());
    }

    static long mix(long seed, int epoch, int position) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + position * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
