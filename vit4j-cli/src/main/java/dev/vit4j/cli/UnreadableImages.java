package dev.vit4j.cli;

import dev.vit4j.inference.Predictor;
import java.io.PrintWriter;
import java.util.List;

/**
 * The rule for images that cannot be read, as {@code eval} has it: each is named on stderr as it is met and left out,
 * a count closes the run, and the command succeeds if any image was processed (exit 2 only when none could be read).
 */
final class UnreadableImages {
    private final PrintWriter err;
    private int count;

    UnreadableImages(PrintWriter err) {
        this.err = err;
    }

    void report(List<Predictor.Unreadable> unreadable) {
        for (Predictor.Unreadable u : unreadable) {
            String reason = u.reason() == null ? "unreadable" : u.reason().split("\n", 2)[0];
            err.println("vit4j: skipped " + (reason.contains(u.image().toString()) ? "" : u.image() + ": ") + reason);
            count++;
        }
    }

    /** The exit status: 0 if any of {@code total} was processed, else 2. Prints the count if any was left out. */
    int finish(int total) {
        if (count > 0) {
            err.println("vit4j: " + count + " of " + total + " images could not be read (named above)");
        }
        err.flush();
        return count == total && total > 0 ? Main.BAD_INPUT : 0;
    }
}
