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
            LogLines lines = new LogLines(err);
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
     * The library renders when a bar starts (before any progress) and twice when it closes; a log gets neither
     * the empty start nor the repeat. The start render runs on the library's thread and can come after the first
     * steps, so it is recognised by the 0 % it shows, not by the bar's progress when it arrives.
     */
    private static final class LogLines implements java.util.function.Consumer<String> {
        private static final java.util.regex.Pattern NO_PROGRESS = java.util.regex.Pattern.compile("\\s0% ");
        private final PrintWriter err;
        volatile ProgressBar bar;
        private String last;

        LogLines(PrintWriter err) {
            this.err = err;
        }

        @Override
        public synchronized void accept(String line) {
            String text = line.stripTrailing();
            ProgressBar b = bar;
            if (b != null
                    && b.getCurrent() > 0
                    && !text.equals(last)
                    && !NO_PROGRESS.matcher(text).find()) {
                err.println(text);
                err.flush();
                last = text;
            }
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
