package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.OnnxRuntimeNatives;
import dev.vit4j.memory.MemoryBudgetException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code vit4j COMMAND …}. Exit codes: 0 success, 2 bad usage or bad input (one line on stderr, no stack
 * trace), 1 internal error.
 */
@Command(
        name = "vit4j",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        showDefaultValues = true,
        usageHelpWidth = 80,
        usageHelpAutoWidth = true,
        versionProvider = Main.Version.class,
        description =
                "Vision transformers for Java: ViT, DeiT, CaiT and the Perceiver, with timm's weights and numbers;"
                        + " CLIP and SigLIP with both towers, as open_clip.",
        subcommands = {
            ModelsCommand.class,
            PredictCommand.class,
            AttentionCommand.class,
            MadCommand.class,
            EmbedCommand.class,
            ZeroShotCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            ExportCommand.class,
            BenchCommand.class,
            ConvertCommand.class,
            ServeCommand.class,
            LoadtestCommand.class,
            IndexCommand.class,
            SearchCommand.class,
            DuplicatesCommand.class,
            DemoCommand.class
        })
public final class Main implements Runnable {
    /** {@code vit4j --version}: the Maven project's version, written into the jar when it is built. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"vit4j " + p.getProperty("version", "(unknown version)")};
        }
    }

    public static final int BAD_INPUT = 2;
    public static final int INTERNAL_ERROR = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        // The CLI owns its process: PyTorch's native library only ever from the jar, never the network.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        OnnxRuntimeNatives.useUserCache();
        // The console's encoding, as System.out and System.err themselves use it.
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        Progress.processStderr = err;
        StopOnSignal.exitOnSignal(err);
        System.exit(execute(
                args, new PrintWriter(new OutputStreamWriter(System.out, Charset.defaultCharset()), true), err));
    }

    /** Runs a command line; what {@link #main} does without exiting (for tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        HelpText.keepTokensWhole(cli);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            String suggestion = "";
            if (ex instanceof CommandLine.UnmatchedArgumentException u
                    && !u.getSuggestions().isEmpty()) {
                suggestion = " (did you mean "
                        + String.join(
                                ", ",
                                u.getSuggestions()
                                        .subList(
                                                0,
                                                Math.min(3, u.getSuggestions().size())))
                        + "?)";
            }
            // parameter labels are help text, laid out with stand-ins (HelpText): put back what they stand for
            err.println("vit4j: " + HelpText.decode(ex.getMessage().split("\n", 2)[0]) + suggestion);
            err.println("try: vit4j "
                    + (ex.getCommandLine().getCommandName().equals("vit4j")
                            ? ""
                            : ex.getCommandLine().getCommandName() + " ")
                    + "--help");
            return BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof MemoryBudgetException m) {
                err.println("vit4j: " + m.getMessage() + HEAP_HINT);
                return BAD_INPUT;
            }
            if (ex instanceof Vit4jException v) {
                err.println("vit4j: " + v.describe(FlagNames::of));
                return BAD_INPUT;
            }
            if (ex instanceof java.io.UncheckedIOException u) {
                ex = u.getCause(); // from library code that cannot declare it (the Hub cache, the Java API)
            }
            if (ex instanceof IOException io) {
                // The machine's fault, not the input's nor vit4j's (a full disk, a read-only or vanished directory):
                // one line naming what failed. Outputs are written atomically, so what was there before is intact.
                err.println("vit4j: I/O error: " + describe(io));
                return INTERNAL_ERROR;
            }
            err.println("vit4j: internal error: " + ex);
            if (System.getenv("VIT4J_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            return INTERNAL_ERROR;
        });
        try {
            return cli.execute(args);
        } catch (VirtualMachineError e) {
            // picocli hands on Errors; the stack trace of an OutOfMemoryError says nothing a user can act on
            err.println("vit4j: " + outOfMemory(e));
            return INTERNAL_ERROR;
        }
    }

    /** How {@code ./vit4j} is given a larger heap: the launcher passes these options to Java. */
    private static final String HEAP_HINT = "; for ./vit4j: VIT4J_JAVA_OPTS=-Xmx8g (or more)";

    /** One line for an {@link OutOfMemoryError} (or another error of the JVM itself), with what to do about it. */
    static String outOfMemory(Throwable e) {
        return (e instanceof OutOfMemoryError
                        ? "out of memory (" + e.getMessage() + ", heap maximum "
                                + (Runtime.getRuntime().maxMemory() >> 20) + " MB)"
                        : "the JVM failed: " + e)
                + HEAP_HINT;
    }

    /** {@code FileSystemException}s name their file apart from the reason; put both in one line. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException fs && fs.getFile() != null) {
            return fs.getFile()
                    + (fs.getReason() != null
                            ? ": " + fs.getReason()
                            : e instanceof NoSuchFileException
                                    ? ": no such file or directory"
                                    : e instanceof AccessDeniedException ? ": permission denied" : "");
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
