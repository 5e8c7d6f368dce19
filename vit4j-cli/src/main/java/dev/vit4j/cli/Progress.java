package dev.vit4j.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar on stderr with throughput and ETA; redrawn in place. */
final class Progress {
    private final PrintWriter err;
    private final String what;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw;

    Progress(PrintWriter err, String what, long total) {
        this.err = err;
        this.what = what;
        this.total = total;
    }

    void update(long done) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        double seconds = (now - start) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        int width = 30;
        int filled = (int) (width * done / Math.max(total, 1));
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        double eta = rate > 0 ? (total - done) / rate : 0;
        err.printf(Locale.ROOT, "\r[%s] %d/%d %s  %.1f/s  ETA %ds ", bar, done, total, what, rate, Math.round(eta));
        if (done >= total) {
            err.println();
        }
        err.flush();
    }
}
