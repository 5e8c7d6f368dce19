package dev.vit4j.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.io.Json;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    /**
     * Reservations are counted together: two that fit alone but not together are refused as "later" (another holds
     * the memory), one larger than the budget as "never"; a refused growth leaves the reservation as it was.
     */
    @Test
    void reservationsAreCountedTogetherAndRefusedBeforeAllocating() {
        MemoryBudget budget = new MemoryBudget(100);
        try (MemoryBudget.Reservation a = budget.reserve(60, "load a")) {
            MemoryBudgetException later = assertThrows(MemoryBudgetException.class, () -> budget.reserve(60, "load b"));
            assertTrue(later.couldFitLater());
            assertTrue(later.getMessage().startsWith("load b needs about 1 kB of Java heap"), later.getMessage());
            assertTrue(later.getMessage().contains("try again"), later.getMessage());
            MemoryBudgetException never = assertThrows(MemoryBudgetException.class, () -> budget.reserve(101, "c"));
            assertFalse(never.couldFitLater());
            assertTrue(never.getMessage().contains("-Xmx"), never.getMessage());
            assertThrows(MemoryBudgetException.class, () -> a.grow(41, "more of a"));
            assertEquals(60, a.bytes());
            a.grow(40, "more of a");
            assertEquals(100, budget.reserved());
        }
        assertEquals(0, budget.reserved());
        assertEquals(100, budget.peak());
        try (MemoryBudget.Reservation b = budget.reserve(60, "load b")) {
            b.close();
            b.close(); // released once
            assertEquals(0, budget.reserved());
        }
    }

    /** The heap's budget is a share of its maximum, not of what happens to be free now. */
    @Test
    void theHeapsBudgetIsAShareOfItsMaximum() {
        long max = Runtime.getRuntime().maxMemory();
        assertEquals((long) (max * MemoryBudget.SHARE), MemoryBudget.heap().capacity());
    }

    /** JSON has no NaN: vit4j's JSON writes a float that is not finite as null, in trees and objects alike. */
    @Test
    void jsonWritesNonFiniteNumbersAsNull() throws Exception {
        var mapper = Json.mapper();
        var tree = mapper.createObjectNode()
                .put("nan", Float.NaN)
                .put("inf", Double.POSITIVE_INFINITY)
                .put("x", 1.5f);
        assertEquals("{\"nan\":null,\"inf\":null,\"x\":1.5}", mapper.writeValueAsString(tree));
        assertEquals("[null,2.0]", mapper.writeValueAsString(new double[] {Double.NaN, 2}));
    }
}
