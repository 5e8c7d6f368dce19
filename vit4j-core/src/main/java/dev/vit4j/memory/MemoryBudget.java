package dev.vit4j.memory;

/**
 * The Java heap as a budget that vit4j's large allocations draw on: what a weights file, a model's export, an image's
 * decoding or a server request will take is estimated first and {@linkplain #reserve reserved}, then allocated, then
 * released. A reservation that does not fit is refused before anything is allocated — at once, with a
 * {@link MemoryBudgetException} that says whether it could ever fit — instead of running the heap dry and failing
 * wherever the next allocation happens to be (in another request, or inside a native library).
 *
 * <p>The budget is measured against the heap's maximum ({@code -Xmx}), not its momentary free space, which counts
 * garbage not yet collected as used. A share of the maximum is left outside the budget for what is not reserved (the
 * models' own small objects, HTTP buffers, the collector's headroom). Reservations of every thread, every model and
 * every request are counted together, so two loads that each fit alone but not together are refused like one that
 * does not fit.
 *
 * <p>Thread-safe.
 */
public final class MemoryBudget {
    /** The share of the heap's maximum that reservations may hold together. */
    static final double SHARE = 0.75;

    private static final MemoryBudget HEAP =
            new MemoryBudget((long) (Runtime.getRuntime().maxMemory() * SHARE));

    private final long capacity;
    private long reserved;
    private long peak;

    /** A budget of {@code capacity} bytes (the process-wide one is {@link #heap}). */
    public MemoryBudget(long capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a budget of " + capacity + " bytes");
        }
        this.capacity = capacity;
    }

    /** The Java heap's budget: what the whole process's vit4j work shares. */
    public static MemoryBudget heap() {
        return HEAP;
    }

    /** The most that may be reserved at once. */
    public long capacity() {
        return capacity;
    }

    /** What is reserved now. */
    public synchronized long reserved() {
        return reserved;
    }

    /** The most that was reserved at once since this budget was made. */
    public synchronized long peak() {
        return peak;
    }

    /** Whether {@code bytes} could ever be reserved (when nothing else is). */
    public boolean couldFit(long bytes) {
        return bytes <= capacity;
    }

    /**
     * Reserves {@code bytes} for {@code what} (a phrase that names it: "weights file model.pth"), to be
     * {@linkplain Reservation#close released} when the memory is free again.
     *
     * @throws MemoryBudgetException if it does not fit now; {@link MemoryBudgetException#couldFitLater} says whether
     *     it would once other reservations are released
     */
    public Reservation reserve(long bytes, String what) {
        take(bytes, what);
        return new Reservation(bytes);
    }

    private void take(long bytes, String what) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a reservation of " + bytes + " bytes");
        }
        if (bytes > capacity) {
            throw new MemoryBudgetException(
                    what, bytes, capacity, Runtime.getRuntime().maxMemory(), false);
        }
        synchronized (this) {
            if (reserved + bytes > capacity) {
                throw new MemoryBudgetException(
                        what, bytes, capacity, Runtime.getRuntime().maxMemory(), true);
            }
            reserved += bytes;
            peak = Math.max(peak, reserved);
        }
    }

    private synchronized void release(long bytes) {
        reserved -= bytes;
    }

    /** Reserved memory, released once by {@link #close} (later calls do nothing). */
    public final class Reservation implements AutoCloseable {
        private long bytes;

        private Reservation(long bytes) {
            this.bytes = bytes;
        }

        /** The bytes held. */
        public synchronized long bytes() {
            return bytes;
        }

        /**
         * Adds {@code more} bytes to this reservation (a body read in chunks, a request's outputs once known).
         *
         * @throws MemoryBudgetException as {@link #reserve}, leaving this reservation as it was
         */
        public synchronized void grow(long more, String what) {
            take(more, what);
            bytes += more;
        }

        @Override
        public synchronized void close() {
            if (bytes > 0) {
                release(bytes);
                bytes = 0;
            }
        }
    }
}
