package dev.vit4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line's rules, over every command picocli knows (so the commands added later are held to them too): each
 * option and parameter described, its default shown, summaries whole sentences, help within 80 columns with no token
 * broken across lines, and the vocabulary of docs/cli.md what the commands declare.
 */
class CommandLineRulesTest {
    private static Map<String, CommandSpec> commands() {
        CommandLine root = new CommandLine(new Main());
        Map<String, CommandSpec> out = new LinkedHashMap<>();
        root.getSubcommands().forEach((name, cl) -> out.put(name, cl.getCommandSpec()));
        return out;
    }

    private static boolean standardHelp(OptionSpec o) {
        return o.usageHelp() || o.versionHelp();
    }

    /**
     * Every option and parameter has a description; every option that takes a value shows its default — declared
     * (picocli prints "Default: …"), or said in words where there is none to declare — unless it is required; and
     * a declared default is not said again in the description.
     */
    @Test
    void everyOptionIsDescribedWithItsDefault() {
        List<String> wrong = new ArrayList<>();
        commands().forEach((name, spec) -> {
            for (ArgSpec a : spec.args()) {
                String label = name + " " + (a instanceof OptionSpec o ? o.longestName() : a.paramLabel());
                if (a instanceof OptionSpec o && standardHelp(o)) {
                    continue;
                }
                String text = String.join(" ", a.description());
                if (text.isBlank()) {
                    wrong.add(label + ": no description");
                    continue;
                }
                boolean flag = a instanceof OptionSpec o && o.arity().max() == 0;
                boolean declared = a.defaultValue() != null;
                boolean said = text.toLowerCase(Locale.ROOT).contains("default");
                if (!flag && !declared && !said && !a.required() && a instanceof OptionSpec) {
                    wrong.add(label + ": no default shown (declare it, or say it: \"default: …\")");
                }
                // an environment variable's default is shown by the description (picocli shows the variable's value)
                if (declared
                        && said
                        && !text.contains("${DEFAULT-VALUE}")
                        && !a.defaultValue().contains("${env:")) {
                    wrong.add(label + ": the declared default is said again in the description: " + text);
                }
            }
        });
        assertEquals(List.of(), wrong);
    }

    /** The top-level list shows each command's first line: a whole sentence. */
    @Test
    void summariesAreWholeSentences() {
        List<String> wrong = new ArrayList<>();
        commands().forEach((name, spec) -> {
            String[] d = spec.usageMessage().description();
            String first = d.length == 0 ? "" : d[0].strip();
            if (!first.endsWith(".")) {
                wrong.add(name + ": \"" + first + "\"");
            }
        });
        assertEquals(List.of(), wrong);
    }

    /**
     * Every command's help fits 80 columns, and no token is broken across lines: the words of the help at 80 columns
     * are the words of the help laid out on one very wide line.
     */
    @Test
    void everyHelpFitsEightyColumnsWithNoTokenBroken() {
        for (String name : commands().keySet()) {
            String narrow = help(name, 80);
            for (String line : narrow.split("\n")) {
                assertTrue(line.length() <= 80, name + ": a line of " + line.length() + " columns: " + line);
            }
            List<String> wide = words(help(name, 400));
            List<String> wrapped = words(narrow);
            assertEquals(wide, wrapped, name + ": a token was broken across lines");
        }
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    private static String help(String command, int width) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        String saved = System.getProperty("picocli.usage.width");
        System.setProperty("picocli.usage.width", Integer.toString(width));
        try {
            Main.execute(
                    new String[] {command, "--help"},
                    new java.io.PrintWriter(out, true),
                    new java.io.PrintWriter(err, true));
        } finally {
            if (saved == null) {
                System.clearProperty("picocli.usage.width");
            } else {
                System.setProperty("picocli.usage.width", saved);
            }
        }
        assertEquals("", err.toString(), command + " --help wrote to stderr");
        return out.toString();
    }

    /**
     * docs/cli.md's vocabulary is what the commands declare: each concept's flag (all its names) in every command the
     * table lists for it, and none of the spellings the table rules out in any command.
     */
    @Test
    void theVocabularyOfDocsCliIsWhatTheCommandsDeclare() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "cli.md"), StandardCharsets.UTF_8);
        Matcher row = Pattern.compile("(?m)^\\| ([^|]+) \\| `([^`]+)` \\| ([^|]+) \\| ([^|]*) \\|$")
                .matcher(doc);
        Map<String, CommandSpec> commands = commands();
        List<String> wrong = new ArrayList<>();
        int rows = 0;
        while (row.find()) {
            rows++;
            String[] names = row.group(2).replaceAll("[ =].*$", "").split(",\\s*");
            String flagCell = row.group(2);
            List<String> flags = Arrays.stream(flagCell.split(",\\s*"))
                    .map(f -> f.replaceAll("[ =].*$", ""))
                    .toList();
            for (String command : row.group(3).split(",\\s*")) {
                CommandSpec spec = commands.get(command.strip());
                if (spec == null) {
                    wrong.add(row.group(1) + ": no command '" + command.strip() + "'");
                    continue;
                }
                for (String f : flags) {
                    if (spec.findOption(f) == null) {
                        wrong.add(command.strip() + " lacks " + f + " (" + row.group(1) + ")");
                    }
                }
            }
            for (String ruledOut : row.group(4).split(",\\s*")) {
                String r = ruledOut.replace("`", "").strip();
                if (r.isEmpty() || r.equals("—")) {
                    continue;
                }
                commands.forEach((name, spec) -> {
                    if (spec.findOption(r) != null) {
                        wrong.add(name + " declares " + r + ", which docs/cli.md rules out for " + row.group(1));
                    }
                });
            }
            assertTrue(names.length > 0);
        }
        assertTrue(rows >= 8, "docs/cli.md's vocabulary table has " + rows + " rows");
        assertEquals(List.of(), wrong);
    }

    /** An -o that is a file or a folder is labelled so, and the label is what the command checks (CliTest runs it). */
    @Test
    void everyOutputSaysWhetherItIsAFileOrAFolder() {
        List<String> wrong = new ArrayList<>();
        commands().forEach((name, spec) -> {
            OptionSpec o = spec.findOption("-o");
            if (o != null && !o.paramLabel().equals("FILE") && !o.paramLabel().equals("DIR")) {
                wrong.add(name + " -o is labelled " + o.paramLabel());
            }
        });
        assertEquals(List.of(), wrong);
        assertFalse(commands().isEmpty());
    }
}
