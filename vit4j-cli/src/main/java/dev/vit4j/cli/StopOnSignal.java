package dev.vit4j.cli;

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
 */
final class StopOnSignal implements AutoCloseable {
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private volatile Signal received;

    StopOnSignal() {
        for (String name : List.of("TERM", "INT")) {
            Signal signal = new Signal(name);
            try {
                previous.add(Signal.handle(signal, this::handle));
                signals.add(signal);
            } catch (IllegalArgumentException unavailable) {
                // not on this platform, or the JVM runs with -Xrs: the default behaviour stays
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
