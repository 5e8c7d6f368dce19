package dev.vit4j.cli;

import dev.vit4j.inference.OnnxRuntimeRuns;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM or Ctrl-C (SIGINT) during long work: instead of the JVM's shutdown, a request to stop that the work
 * honours at its next safe point (a training run after the batch under way, never inside a checkpoint write);
 * the command then prints its goodbye and exits with 128 + the signal's number (143, 130), as shells expect.
 * A second signal ends the process at once, which is safe because every output is written atomically.
 *
 * <p>Not a shutdown hook that holds the exit: once the JVM shuts down, code that registers a hook of its own
 * (AWT does when it first draws text, e.g. the learning-curve PNG at the end of an epoch) fails.
 *
 * <p>Commands without a safe point of their own (predict, embed, eval, …) get {@link #exitOnSignal}'s handler:
 * one line, then, once the ONNX Runtime runs under way have returned ({@link OnnxRuntimeRuns}), the JVM's ordinary
 * exit with 128 + the signal's number. Outputs are written atomically; an unfinished one is removed at exit.
 */
final class StopOnSignal implements AutoCloseable {
    private static final List<String> NAMES = List.of("TERM", "INT");
    /** Far above any batch's run; past it the process exits all the same. */
    private static final Duration RUNS_UNDER_WAY_LIMIT = Duration.ofSeconds(60);

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private volatile Signal received;

    StopOnSignal() {
        for (String name : NAMES) {
            Signal signal = new Signal(name);
            try {
                previous.add(Signal.handle(signal, this::handle));
                signals.add(signal);
            } catch (IllegalArgumentException unavailable) {
                // not on this platform, or the JVM runs with -Xrs: the default behaviour stays
            }
        }
    }

    /** For the whole process: a signal prints one line on {@code err} and exits with 128 + its number. */
    static void exitOnSignal(PrintWriter err) {
        for (String name : NAMES) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    err.println("vit4j: stopped by SIG" + signal.getName());
                    OnnxRuntimeRuns.finishAndRefuseNew(RUNS_UNDER_WAY_LIMIT);
                    System.exit(128 + signal.getNumber());
                });
            } catch (IllegalArgumentException unavailable) {
                // as above: the default behaviour stays
            }
        }
    }

    private void handle(Signal signal) {
        if (received != null) {
            Runtime.getRuntime().halt(128 + signal.getNumber());
        }
        received = signal;
    }

    boolean requested() {
        return received != null;
    }

    /** 128 + the number of the signal received (the status a process killed by it would have). */
    int exitStatus() {
        return 128 + received.getNumber();
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
