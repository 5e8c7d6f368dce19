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
 * its own way with {@link #describe} (the command line: {@code --layer-decay}).
 */
public class Vit4jException extends RuntimeException {
    private static final Pattern PARAMETER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");
    private final boolean template;

    public Vit4jException(String message) {
        this(message, null, false);
    }

    public Vit4jException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private Vit4jException(String message, Throwable cause, boolean template) {
        super(message, cause);
        this.template = template;
    }

    /** A problem with parameters, each named {@code {name}} in {@code template} by its name in the API. */
    public static Vit4jException naming(String template) {
        return new Vit4jException(template, null, true);
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
        return out.toString();
    }
}
