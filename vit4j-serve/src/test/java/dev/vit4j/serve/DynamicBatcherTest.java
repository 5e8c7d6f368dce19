package dev.vit4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {
    private static final long FAR = TimeUnit.MINUTES.toNanos(5);

    private static long deadline() {
        return System.nanoTime() + FAR;
    }

    @Test
    void concurrentInputsShareBatchesOfAtMostMaxBatch() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        try (DynamicBatcher<Integer, Integer, Integer> b = new DynamicBatcher<>(
                "t",
                8,
                50,
                1000,
                1,
                x -> x,
                Runnable::run,
                in -> {
                    sleep(20); // a batch takes a while, so the next requests pile up
                    return in.stream().map(x -> x * 2).toList();
                },
                (s, q, n) -> sizes.add(s),
                new ServerHealth())) {
            ExecutorService pool = Executors.newFixedThreadPool(32);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                int x = i;
                results.add(pool.submit(() -> b.submit(() -> x, deadline()).get()));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(2 * i, results.get(i).get(1, TimeUnit.MINUTES));
            }
            pool.shutdown();
        }
        assertEquals(256, sizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(sizes.stream().allMatch(s -> s <= 8), sizes.toString());
        assertTrue(sizes.stream().mapToInt(Integer::intValue).average().orElse(0) > 4, "mean batch " + sizes);
    }

    @Test
    void aLoneInputDoesNotWaitForTheDelay() throws Exception {
        // A delay of ten minutes that a lone input must not pay: nothing else is on its way.
        try (DynamicBatcher<Integer, Integer, Integer> b = new DynamicBatcher<>(
                "t", 8, 600_000, 10, 1, x -> x, Runnable::run, in -> in, (s, q, n) -> {}, new ServerHealth())) {
            assertEquals(7, b.submit(() -> 7, deadline()).get(1, TimeUnit.MINUTES));
        }
    }

    @Test
    void aFullQueueRefusesAtOnceAndRecovers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        try (DynamicBatcher<Integer, Integer, Integer> b = new DynamicBatcher<>(
                "t",
                1,
                0,
                2,
                1,
                x -> x,
                Runnable::run,
                in -> {
                    running.countDown();
                    await(release);
                    return in;
                },
                (s, q, n) -> {},
                new ServerHealth())) {
            CompletableFuture<Integer> first = b.submit(() -> 1, deadline());
            running.await(1, TimeUnit.MINUTES); // the worker holds it; the queue is empty again
            CompletableFuture<Integer> second = b.submit(() -> 2, deadline());
            CompletableFuture<Integer> third = b.submit(() -> 3, deadline());
            QueueFullException full = assertThrows(QueueFullException.class, () -> b.submit(() -> 4, deadline()));
            assertTrue(full.getMessage().contains("2 images already queued"), full.getMessage());
            release.countDown();
            assertEquals(1, first.get(1, TimeUnit.MINUTES));
            assertEquals(2, second.get(1, TimeUnit.MINUTES));
            assertEquals(3, third.get(1, TimeUnit.MINUTES));
            assertEquals(5, b.submit(() -> 5, deadline()).get(1, TimeUnit.MINUTES));
        }
    }

    @Test
    void anInputPastItsDeadlineIsDroppedWithATimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        try (DynamicBatcher<Integer, Integer, Integer> b = new DynamicBatcher<>(
                "t",
                1,
                0,
                10,
                1,
                x -> x,
                Runnable::run,
                in -> {
                    await(release);
                    ran.addAll(in);
                    return in;
                },
                (s, q, n) -> {},
                new ServerHealth())) {
            CompletableFuture<Integer> blocker = b.submit(() -> 1, deadline());
            CompletableFuture<Integer> late = b.submit(() -> 2, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1));
            sleep(20);
            release.countDown();
            assertEquals(1, blocker.get(1, TimeUnit.MINUTES));
            ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(1, TimeUnit.MINUTES));
            assertInstanceOf(TimeoutException.class, e.getCause());
        }
        assertEquals(List.of(1), ran);
    }

    @Test
    void aFailingBatchFailsOnlyItsOwnInputsAndAFailedPreparationOnlyItsInput() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        try (DynamicBatcher<Integer, Integer, Integer> b = new DynamicBatcher<>(
                "t",
                4,
                0,
                10,
                1,
                x -> {
                    if (x < 0) {
                        throw new IllegalArgumentException("not an image");
                    }
                    return x;
                },
                Runnable::run,
                in -> {
                    running.countDown();
                    await(release);
                    batches.add(in);
                    if (in.contains(13)) {
                        throw new IllegalStateException("unlucky");
                    }
                    return in;
                },
                (s, q, n) -> {},
                new ServerHealth())) {
            CompletableFuture<Integer> blocker = b.submit(() -> 1, deadline());
            running.await(1, TimeUnit.MINUTES);
            // Queued together behind the blocker: one bad input among good ones.
            CompletableFuture<Integer> good = b.submit(() -> 2, deadline());
            CompletableFuture<Integer> bad = b.submit(() -> -1, deadline());
            CompletableFuture<Integer> alsoGood = b.submit(() -> 3, deadline());
            release.countDown();
            assertEquals(1, blocker.get(1, TimeUnit.MINUTES));
            assertEquals(2, good.get(1, TimeUnit.MINUTES));
            assertEquals(3, alsoGood.get(1, TimeUnit.MINUTES));
            ExecutionException notImage = assertThrows(ExecutionException.class, () -> bad.get(1, TimeUnit.MINUTES));
            assertEquals("not an image", notImage.getCause().getMessage());
            assertEquals(List.of(List.of(1), List.of(2, 3)), batches);
            ExecutionException e = assertThrows(ExecutionException.class, () -> b.submit(() -> 13, deadline())
                    .get(1, TimeUnit.MINUTES));
            assertEquals("unlucky", e.getCause().getMessage());
            assertEquals(14, b.submit(() -> 14, deadline()).get(1, TimeUnit.MINUTES));
        }
    }

    @Test
    void closingRunsEverythingQueuedThenRefuses() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        DynamicBatcher<Integer, Integer, Integer> b = new DynamicBatcher<>(
                "t",
                4,
                0,
                100,
                1,
                x -> x,
                Runnable::run,
                in -> {
                    await(release);
                    return in;
                },
                (s, q, n) -> {},
                new ServerHealth());
        List<CompletableFuture<Integer>> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            queued.add(b.submit(() -> 1, deadline()));
        }
        Thread closer = new Thread(b::close);
        closer.start();
        sleep(20);
        assertThrows(QueueFullException.class, () -> b.submit(() -> 1, deadline()));
        release.countDown();
        closer.join(60_000);
        for (CompletableFuture<Integer> f : queued) {
            assertEquals(1, f.get(0, TimeUnit.SECONDS));
        }
    }

    /** Two workers: one's batch runs while the other's is being prepared or run; neither waits for the other. */
    @Test
    void twoWorkersRunTwoBatchesAtOnce() throws Exception {
        CountDownLatch bothRunning = new CountDownLatch(2);
        List<Boolean> overlapped = new CopyOnWriteArrayList<>();
        try (DynamicBatcher<Integer, Integer, Integer> b = new DynamicBatcher<>(
                "t",
                1,
                0,
                10,
                2,
                x -> x,
                Runnable::run,
                in -> {
                    bothRunning.countDown();
                    try {
                        overlapped.add(bothRunning.await(1, TimeUnit.MINUTES)); // returns only if the other runs too
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return in;
                },
                (s, q, n) -> {},
                new ServerHealth())) {
            CompletableFuture<Integer> first = b.submit(() -> 1, deadline());
            CompletableFuture<Integer> second = b.submit(() -> 2, deadline());
            assertEquals(1, first.get(1, TimeUnit.MINUTES));
            assertEquals(2, second.get(1, TimeUnit.MINUTES));
        }
        assertEquals(List.of(true, true), overlapped);
    }

    /**
     * An OutOfMemoryError while running a batch is the server's end, not the batch's: it is reported, the inputs are
     * refused as a busy server refuses (503), and no later batch is run on the broken heap — by this batcher or any
     * other sharing the health.
     */
    @Test
    void anOutOfMemoryErrorStopsEveryBatcherOfTheServer() throws Exception {
        ServerHealth health = new ServerHealth();
        List<Integer> ran = new CopyOnWriteArrayList<>();
        try (DynamicBatcher<Integer, Integer, Integer> failing = new DynamicBatcher<>(
                        "t",
                        4,
                        0,
                        100,
                        1,
                        x -> x,
                        Runnable::run,
                        in -> {
                            throw new OutOfMemoryError("Java heap space (forced)");
                        },
                        (s, q, n) -> {},
                        health);
                DynamicBatcher<Integer, Integer, Integer> other = new DynamicBatcher<>(
                        "u",
                        4,
                        0,
                        100,
                        1,
                        x -> x,
                        Runnable::run,
                        in -> {
                            ran.addAll(in);
                            return in;
                        },
                        (s, q, n) -> {},
                        health)) {
            assertEquals(7, other.submit(() -> 7, deadline()).get(1, TimeUnit.MINUTES));
            ExecutionException e = assertThrows(ExecutionException.class, () -> failing.submit(() -> 1, deadline())
                    .get(1, TimeUnit.MINUTES));
            assertInstanceOf(QueueFullException.class, e.getCause());
            assertInstanceOf(OutOfMemoryError.class, health.cause());
            assertThrows(QueueFullException.class, () -> other.submit(() -> 8, deadline()));
            assertEquals(List.of(7), ran, "nothing ran after the error");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
