package dev.vit4j.memory;

import dev.vit4j.Vit4jException;

/**
 * Work refused because the memory it needs is not in the {@link MemoryBudget}: either it never could be ({@link
 * #couldFitLater} false: a larger heap is the remedy) or other work holds it now (true: try again shortly).
 */
public final class MemoryBudgetException extends Vit4jException {
    private final long needed;
    private final boolean couldFitLater;

    MemoryBudgetException(String what, long needed, long capacity, long heapMax, boolean couldFitLater) {
        super(message(what, needed, capacity, heapMax, couldFitLater));
        this.needed = needed;
        this.couldFitLater = couldFitLater;
    }

    private MemoryBudgetException(String message) {
        super(message);
        this.needed = -1;
        this.couldFitLater = false;
    }

    /**
     * An allocation for {@code what} failed although its reservation fit (the estimate was short, or memory outside
     * the budget grew): what is said instead of the {@link OutOfMemoryError}, caught where the one large allocation
     * that failed is gone again.
     */
    public static MemoryBudgetException heapExhausted(String what) {
        return new MemoryBudgetException(what + " does not fit in the Java heap of "
                + mb(Runtime.getRuntime().maxMemory()) + ": give Java a larger heap (-Xmx)");
    }

    private static String message(String what, long needed, long capacity, long heapMax, boolean later) {
        String need = what + " needs about " + mb(needed) + " of Java heap";
        return later
                ? need + ", and work under way holds what is left of the " + mb(capacity) + " budget: try again shortly"
                : need + ", more than the " + mb(capacity) + " budget of this JVM's " + mb(heapMax)
                        + " heap: give Java a larger heap (-Xmx)";
    }

    private static String mb(long bytes) {
        return bytes < 10L << 20 ? (bytes + 1023 >> 10) + " kB" : (bytes + (1 << 19) >> 20) + " MB";
    }

    /** The bytes that were asked for (-1: not known). */
    public long needed() {
        return needed;
    }

    /** True if the memory is held by other work now (try again later); false if it could never fit. */
    public boolean couldFitLater() {
        return couldFitLater;
    }
}
