package dev.vit4j.serve;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import io.javalin.http.HttpResponseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
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
        /** Given at start, or loaded once: a failed load later leaves the name known. */
        volatile boolean kept;
        /** Loads of this name waiting or under way (guarded by the map's compute). */
        int loads;

        Slot(String name, Supplier<LoadedModel> source) {
            this.name = name;
            this.source = source;
        }
    }

    private final ServeOptions options;
    private final ServerMetrics metrics;
    private final Executor preparers;
    private final ServerHealth health;
    private final ServedModel.Runs runs;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private volatile boolean closing;
    /** Names in the order they were first given. */
    private final List<String> order = new CopyOnWriteArrayList<>();
    /** Threads loading a model now: a shutdown interrupts them (a Hub download stops at once). */
    private final Set<Thread> loading = ConcurrentHashMap.newKeySet();

    ModelRepository(
            ServeOptions options,
            ServerMetrics metrics,
            Executor preparers,
            ServerHealth health,
            ServedModel.Runs runs) {
        this.options = options;
        this.runs = runs;
        this.metrics = metrics;
        this.preparers = preparers;
        this.health = health;
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
        slot.kept = true;
        if (!order.contains(name)) {
            order.add(name);
        }
        slot.state = State.LOADING;
        slot.reason = "waiting to load";
    }

    /**
     * Loads {@code name} from {@code source} (null: where it was loaded from before) and warms it, then serves it,
     * retiring the model it replaces. Throws what the load threw; the repository is then as it was. The name shows
     * as LOADING in the index from the moment its first load starts; a name that never loaded is forgotten again once
     * no load of it is waiting or under way (one load failing leaves the slot to another that waits for it).
     */
    void load(String name, Supplier<LoadedModel> source) {
        if (source == null && !slots.containsKey(name)) {
            throw new Vit4jException("no model '" + name + "' to load: give parameters.model (a Hub name, a model"
                    + " directory or an architecture, with parameters.weights)");
        }
        Slot slot = slots.compute(name, (n, s) -> {
            Slot mine = s;
            if (mine == null) {
                mine = new Slot(n, source);
                order.add(n);
            }
            mine.loads++;
            if (mine.model == null) {
                mine.state = State.LOADING;
                mine.reason = "loading";
            }
            return mine;
        });
        Thread me = Thread.currentThread();
        loading.add(me);
        try {
            synchronized (slot) {
                loadInto(slot, source);
            }
        } finally {
            loading.remove(me);
            Thread.interrupted(); // a shutdown's interrupt ends with the load: the thread serves on in its pool
            slots.computeIfPresent(name, (n, s) -> {
                s.loads--;
                if (s.loads > 0 && s.model == null) {
                    s.state = State.LOADING; // the next load of the name is waiting for its turn
                    s.reason = "loading";
                }
                boolean forget = s.loads == 0 && !s.kept && s.model == null;
                if (forget) {
                    order.remove(name);
                }
                return forget ? null : s;
            });
        }
    }

    private void loadInto(Slot slot, Supplier<LoadedModel> source) {
        if (closing) {
            throw new QueueFullException("the server is shutting down: no model is loaded now");
        }
        Supplier<LoadedModel> from = source != null ? source : slot.source;
        ServedModel fresh;
        try {
            fresh = new ServedModel(slot.name, from.get(), options, metrics, preparers, health, runs);
            try {
                fresh.warm();
            } catch (RuntimeException | Error e) {
                fresh.close();
                throw e;
            }
        } catch (RuntimeException | Error e) {
            // a failed reload leaves the model it would have replaced serving
            slot.state = slot.model != null ? State.READY : State.UNAVAILABLE;
            slot.reason = slot.model != null ? "" : "failed to load: " + e.getMessage();
            if (closing) {
                Thread.interrupted();
                throw new QueueFullException("the server is shutting down: the load of " + slot.name + " was stopped");
            }
            throw e;
        }
        ServedModel old = slot.model;
        slot.model = fresh;
        slot.source = from;
        slot.kept = true;
        slot.state = State.READY;
        slot.reason = "";
        if (old != null) {
            old.retire();
            NativeHeap.release();
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
    /** Takes no more loads and stops those under way (a Hub download is aborted; ONNX Runtime's own work ends). */
    void stopLoading() {
        closing = true;
        loading.forEach(Thread::interrupt);
    }

    /**
     * Waits, at most {@code millis}, for the loads under way to end ({@link #stopLoading} first: what is interruptible
     * ends at once; an ONNX Runtime session being built finishes first).
     */
    void awaitLoads(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!loading.isEmpty() && System.nanoTime() < until) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stopLoading();
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
