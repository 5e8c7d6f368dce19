package dev.vit4j.serve;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import io.javalin.http.HttpResponseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The server's models by name, as Triton's model repository extension sees them: each name has where it loads from
 * and a state (LOADING, READY, UNLOADING, UNAVAILABLE). Requests take a model with {@link #use} and give it back with
 * {@link ServedModel#exit}. {@link #load} builds and warms a model while every other one keeps serving (and, on a
 * reload, while the old one does), then swaps it in; a failed load changes nothing. {@link #unload} takes a model out:
 * the requests under way finish, then its engine and weights are freed. Changes to one name are made one at a time.
 */
final class ModelRepository implements AutoCloseable {
    enum State {
        LOADING,
        READY,
        UNLOADING,
        UNAVAILABLE
    }

    /** One name's row of the index. */
    record Entry(String name, State state, String reason) {}

    private static final class Slot {
        final String name;
        volatile Supplier<LoadedModel> source;
        volatile ServedModel model;
        volatile State state = State.UNAVAILABLE;
        volatile String reason = "";

        Slot(String name, Supplier<LoadedModel> source) {
            this.name = name;
            this.source = source;
        }
    }

    private final ServeOptions options;
    private final ServerMetrics metrics;
    private final Executor preparers;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private volatile boolean closing;
    /** Names in the order they were first given. */
    private final List<String> order = new CopyOnWriteArrayList<>();

    ModelRepository(ServeOptions options, ServerMetrics metrics, Executor preparers) {
        this.options = options;
        this.metrics = metrics;
        this.preparers = preparers;
    }

    /** Names known to the repository, loaded or not, in the order they were given. */
    List<String> names() {
        return List.copyOf(order);
    }

    /** The loaded model called {@code name}, or null. */
    ServedModel loaded(String name) {
        Slot slot = slots.get(name);
        return slot == null ? null : slot.model;
    }

    /** The index: every known name with its state and, when not ready, why. */
    List<Entry> index() {
        List<Entry> out = new ArrayList<>();
        for (String name : order) {
            Slot slot = slots.get(name);
            if (slot != null) {
                out.add(new Entry(name, slot.state, slot.reason));
            }
        }
        return out;
    }

    /**
     * The model for a request, entered ({@link ServedModel#enter}); 404 for an unknown name, 503 while it loads or
     * after it was unloaded.
     */
    ServedModel use(String name) {
        Slot slot = slots.get(name);
        if (slot == null) {
            throw new HttpResponseException(404, "no model '" + name + "'; have " + String.join(", ", order));
        }
        ServedModel m = slot.model;
        if (m == null || !m.enter()) {
            throw new QueueFullException(name
                    + (slot.state == State.LOADING ? " is still loading" : " is not loaded (" + slot.reason + ")"));
        }
        return m;
    }

    /** Makes a name known without loading it (the models given at start, before their turn). */
    void declare(String name, Supplier<LoadedModel> source) {
        Slot slot = slots.computeIfAbsent(name, n -> new Slot(n, source));
        if (!order.contains(name)) {
            order.add(name);
        }
        slot.state = State.LOADING;
        slot.reason = "waiting to load";
    }

    /**
     * Loads {@code name} from {@code source} (null: where it was loaded from before) and warms it, then serves it,
     * retiring the model it replaces. Throws what the load threw; the repository is then as it was.
     */
    void load(String name, Supplier<LoadedModel> source) {
        boolean known = slots.containsKey(name);
        if (source == null && !known) {
            throw new Vit4jException("no model '" + name + "' to load: give parameters.model (a Hub name, a model"
                    + " directory or an architecture, with parameters.weights)");
        }
        Slot slot = slots.computeIfAbsent(name, n -> new Slot(n, source));
        synchronized (slot) {
            if (closing) {
                if (!known) {
                    slots.remove(name);
                }
                throw new QueueFullException("the server is shutting down: no model is loaded now");
            }
            Supplier<LoadedModel> from = source != null ? source : slot.source;
            State before = slot.state;
            String reasonBefore = slot.reason;
            if (slot.model == null) {
                slot.state = State.LOADING;
                slot.reason = "loading";
            }
            ServedModel fresh;
            try {
                fresh = new ServedModel(name, from.get(), options, metrics, preparers);
                try {
                    fresh.warm();
                } catch (RuntimeException | Error e) {
                    fresh.close();
                    throw e;
                }
            } catch (RuntimeException | Error e) {
                slot.state = before;
                slot.reason = reasonBefore;
                if (!known) {
                    slots.remove(name);
                }
                throw e;
            }
            ServedModel old = slot.model;
            slot.model = fresh;
            slot.source = from;
            slot.state = State.READY;
            slot.reason = "";
            if (!order.contains(name)) {
                order.add(name);
            }
            if (old != null) {
                old.retire();
                NativeHeap.release();
            }
        }
    }

    /** Records why a model given at start could not be loaded (the server's readiness reports it too). */
    void failed(String name, Throwable cause) {
        Slot slot = slots.get(name);
        if (slot != null) {
            slot.state = State.UNAVAILABLE;
            slot.reason = "failed to load: " + cause.getMessage();
        }
    }

    /** Stops serving {@code name}: new requests are refused, those under way finish, then its memory is freed. */
    void unload(String name) {
        Slot slot = slots.get(name);
        if (slot == null) {
            throw new HttpResponseException(404, "no model '" + name + "'; have " + String.join(", ", order));
        }
        synchronized (slot) {
            ServedModel m = slot.model;
            if (m == null) {
                return; // unloading an unloaded model changes nothing, as Triton's does
            }
            slot.state = State.UNLOADING;
            slot.reason = "unloading";
            slot.model = null;
            m.retire();
            metrics.forget(name);
            NativeHeap.release();
            slot.state = State.UNAVAILABLE;
            slot.reason = "unloaded";
        }
    }

    /**
     * Takes no more loads, waits for those under way, finishes what every model has queued, then frees them all.
     */
    @Override
    public void close() {
        closing = true;
        for (Slot slot : slots.values()) {
            // Waits for a load or unload of this name under way: a process that exits while ONNX Runtime builds a
            // session crashes in native code when the runtime's shutdown hook frees its environment.
            synchronized (slot) {
                ServedModel m = slot.model;
                if (m != null) {
                    m.close();
                }
            }
        }
    }
}
