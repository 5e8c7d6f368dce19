package dev.vit4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work on stderr, drawn by me.tongfei:progressbar. On a terminal: the library's bar, redrawn
 * in place. Anywhere else (a log file, a pipe, a test's writer): a plain line every {@link #LOG_INTERVAL_MS}
 * while work advances, and one at the end, so a log holds a few readable lines instead of carriage-return frames.
 */
final class Progress implements AutoCloseable {
    static final int LOG_INTERVAL_MS = 10_000;

    /** The process's stderr, set by {@link Main#main}; only on this writer is a bar ever drawn. */
    static volatile PrintWriter processStderr;

    private final ProgressBar bar;
    private boolean closed;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** Starts reporting {@code total} units of {@code task} (e.g. "epoch 3", "images") to {@code err}. */
    static Progress start(PrintWriter err, String task, long total, String unit) {
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .showSpeed(new java.text.DecimalFormat("0.0"));
        if (err == processStderr && stderrIsTerminal()) {
            b.setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250);
        } else {
            b.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(LOG_INTERVAL_MS);
            LogLines lines = new LogLines(err, task, unit);
            b.setConsumer(new DelegatingProgressBarConsumer(lines, 100));
            ProgressBar bar = b.build();
            lines.bar = bar;
            return new Progress(bar);
        }
        return new Progress(b.build());
    }

    /**
     * A download's bar in MiB with its rate, on a terminal only: a log gets nothing of it (a finished download is
     * visible from what follows; its failure is an error line).
     */
    static Progress bytesOnTerminal(PrintWriter err, String task, long bytes) {
        if (err != processStderr || !stderrIsTerminal()) {
            return null;
        }
        return new Progress(new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(bytes, 0))
                .setUnit(" MiB", 1 << 20)
                .showSpeed(new java.text.DecimalFormat("0.0"))
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(250)
                .build());
    }

    /**
     * A log's line, written here from the bar's state rather than the library's frame (whose rate is "?" until a
     * second has passed, and whose bar is meant to be redrawn in place): "task: done/total unit (P %), R unit/s,
     * elapsed". The library renders when a bar starts and twice when it closes; a log gets neither the empty start
     * nor the repeat.
     */
    private static final class LogLines implements java.util.function.Consumer<String> {
        private final PrintWriter err;
        private final String task;
        private final String unit;
        private final long start = System.nanoTime();
        volatile ProgressBar bar;
        private long last = -1;

        LogLines(PrintWriter err, String task, String unit) {
            this.err = err;
            this.task = task;
            this.unit = unit;
        }

        @Override
        public synchronized void accept(String frame) {
            ProgressBar b = bar;
            if (b == null || b.getCurrent() <= 0 || b.getCurrent() == last) {
                return;
            }
            last = b.getCurrent();
            double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
            err.println(String.format(
                    java.util.Locale.ROOT,
                    "%s: %d/%d %s (%d %%), %.1f %s/s, %s",
                    task,
                    last,
                    b.getMax(),
                    unit,
                    b.getMax() > 0 ? 100 * last / b.getMax() : 100,
                    last / seconds,
                    unit,
                    elapsed(seconds)));
            err.flush();
        }

        private static String elapsed(double seconds) {
            long s = Math.round(seconds);
            return s < 60 ? s + " s" : s / 60 + " min " + s % 60 + " s";
        }
    }

    void stepTo(long done) {
        bar.stepTo(done);
    }

    /** Draws the final state (on a terminal, ends the bar's line) and stops the redrawing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            bar.close();
        }
    }

    /**
     * Whether file descriptor 2 is a terminal. Java has no isatty; on Linux the descriptor's link names the
     * device; elsewhere {@code System.console()} (stdin and stdout both terminals) is the best guess.
     */
    static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        if (Files.exists(fd)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (java.io.IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return System.console() != null;
    }
}
