package dev.vit4j.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * A partition's rows taken {@code size} at a time, each batch answered by {@code run} (one output row per input row,
 * in order) only when the rows after it are asked for: a partition is never held whole.
 */
final class InBatches implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final int size;
    private final Function<List<Row>, List<Row>> run;
    private final List<Row> ready = new ArrayList<>();
    private int next;

    InBatches(Iterator<Row> rows, int size, Function<List<Row>, List<Row>> run) {
        this.rows = rows;
        this.size = size;
        this.run = run;
    }

    @Override
    public boolean hasNext() {
        if (next < ready.size()) {
            return true;
        }
        ready.clear();
        next = 0;
        List<Row> batch = new ArrayList<>(size);
        while (batch.size() < size && rows.hasNext()) {
            batch.add(rows.next());
        }
        if (!batch.isEmpty()) {
            ready.addAll(run.apply(batch));
        }
        return !ready.isEmpty();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.get(next++);
    }
}
