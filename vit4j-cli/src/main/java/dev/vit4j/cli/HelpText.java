package dev.vit4j.cli;

import java.util.ArrayList;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Help that wraps between words only. picocli wraps descriptions with the JDK's line {@link java.text.BreakIterator},
 * which breaks after '.', ':' and '[' (picocli itself keeps hyphens whole): "config .json", "ARCH[.TAG]" and "hf-hub:timm"
 * were split across lines. Each such character in a help text is stood in for by one of Unicode's private-use
 * characters (the iterator never breaks at those) while the help is laid out, and put back in every rendered section.
 */
final class HelpText {
    /** Characters after which the JDK's iterator may break inside a token. */
    private static final String BREAKING = ".:[]()/,;=|!?{}<>'\"%&*+@#$^~`";

    private static final char STAND_IN = '\uE000';

    private HelpText() {}

    /** Applies to {@code root} and every subcommand; call once, after the command tree is built. */
    static void keepTokensWhole(CommandLine root) {
        CommandSpec spec = root.getCommandSpec();
        UsageMessageSpec usage = spec.usageMessage();
        usage.description(encode(usage.description()));
        usage.header(encode(usage.header()));
        usage.footer(encode(usage.footer()));
        for (OptionSpec o : new ArrayList<>(spec.options())) {
            spec.remove(o);
            spec.addOption(OptionSpec.builder(o)
                    .description(encode(o.description()))
                    .paramLabel(encode(o.paramLabel()))
                    .build());
        }
        for (PositionalParamSpec p : new ArrayList<>(spec.positionalParameters())) {
            spec.remove(p);
            spec.addPositional(PositionalParamSpec.builder(p)
                    .description(encode(p.description()))
                    .paramLabel(encode(p.paramLabel()))
                    .build());
        }
        root.getHelpSectionMap().replaceAll((key, renderer) -> help -> decode(renderer.render(help)));
        root.getSubcommands().values().forEach(HelpText::keepTokensWhole);
    }

    static String[] encode(String[] lines) {
        String[] out = lines.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = encode(out[i]);
        }
        return out;
    }

    static String encode(String line) {
        StringBuilder b = new StringBuilder(line.length());
        for (char c : line.toCharArray()) {
            int at = BREAKING.indexOf(c);
            b.append(at < 0 ? c : (char) (STAND_IN + at));
        }
        return b.toString();
    }

    static String decode(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            int at = c - STAND_IN;
            b.append(at >= 0 && at < BREAKING.length() ? BREAKING.charAt(at) : c);
        }
        return b.toString();
    }
}
