package dev.vit4j.cli;

import dev.vit4j.inference.ModelPipeline;
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

    /** Names each input whose outcome is an error ({@code outcomes} in the order of {@code inputs}). */
    void report(List<?> inputs, List<ModelPipeline.Outcome> outcomes) {
        for (int i = 0; i < outcomes.size(); i++) {
            String error = outcomes.get(i).error();
            if (error != null) {
                String reason = error.split("\n", 2)[0];
                String input = String.valueOf(inputs.get(i));
                err.println("vit4j: skipped " + (reason.contains(input) ? "" : input + ": ") + reason);
                count++;
            }
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
