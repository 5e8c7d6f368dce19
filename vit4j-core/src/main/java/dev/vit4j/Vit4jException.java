package dev.vit4j;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A problem with what the user gave us (a file, a model name, weights that don't fit), as opposed to a bug. The
 * command line turns it into one line on stderr and exit code 2.
 *
 * <p>A message about a parameter names it in the API's terms, written {@code {name}} in the template given to
 * {@link #naming}: {@link #getMessage} spells it as the API names it ({@code layerDecay}), and a front end spells it
 * its own way with {@link #describe} (the command line: {@code --layer-decay}). What the user gave (a name, a path, a
 * number) goes in as a value for a {@code %s} of the template, after the parameters are spelled, so braces in it are
 * left as they are.
 */
public class Vit4jException extends RuntimeException {
    private static final Pattern PARAMETER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");
    private final boolean template;
    private final Object[] values;

    public Vit4jException(String message) {
        this(message, null, false);
    }

    public Vit4jException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private Vit4jException(String message, Throwable cause, boolean template, Object... values) {
        super(message, cause);
        this.template = template;
        this.values = values.clone();
    }

    /**
     * A problem with parameters, each named {@code {name}} in {@code template} by its name in the API; each {@code %s}
     * is replaced by the next of {@code values}, taken as they are.
     */
    public static Vit4jException naming(String template, Object... values) {
        return new Vit4jException(template, null, true, values);
    }

    @Override
    public String getMessage() {
        return describe(UnaryOperator.identity());
    }

    /** The message with each parameter spelled by {@code spelling} (given the API's name). */
    public String describe(UnaryOperator<String> spelling) {
        String message = super.getMessage();
        if (!template || message == null) {
            return message;
        }
        Matcher m = PARAMETER.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(spelling.apply(m.group(1))));
        }
        m.appendTail(out);
        return fill(out.toString());
    }

    private String fill(String spelled) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (Object value : values) {
            int at = spelled.indexOf("%s", from);
            if (at < 0) {
                break;
            }
            out.append(spelled, from, at).append(value);
            from = at + 2;
        }
        return out.append(spelled, from, spelled.length()).toString();
    }
}
