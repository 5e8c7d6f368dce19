package dev.vit4j.text;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code html.unescape}: numeric and named character references as the HTML5 specification reads them,
 * including names without their semicolon ({@code &copy 2024}) and the longest known prefix of an unknown name.
 */
public final class HtmlUnescape {
    private static final Pattern CHARREF =
            Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    private static final BigInteger MAX_CODEPOINT = BigInteger.valueOf(0x10FFFF);

    private HtmlUnescape() {}

    public static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        TextTables tables = TextTables.get();
        Matcher m = CHARREF.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replace(m.group(1), tables)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String replace(String ref, TextTables tables) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
            String digits = ref.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) {
                digits = digits.substring(0, digits.length() - 1);
            }
            BigInteger big = new BigInteger(digits, hex ? 16 : 10);
            if (big.compareTo(MAX_CODEPOINT) > 0) {
                return "\uFFFD";
            }
            int num = big.intValue();
            String invalid = tables.invalidCharrefs.get(num);
            if (invalid != null) {
                return invalid;
            }
            if (num >= 0xD800 && num <= 0xDFFF) {
                return "\uFFFD";
            }
            if (tables.invalidCodepoints.contains(num)) {
                return "";
            }
            return new String(Character.toChars(num));
        }
        String named = tables.html5.get(ref);
        if (named != null) {
            return named;
        }
        // the longest name that starts the reference (Python counts code points; names are ASCII)
        for (int x = ref.length() - 1; x > 1; x--) {
            String prefix = tables.html5.get(ref.substring(0, x));
            if (prefix != null) {
                return prefix + ref.substring(x);
            }
        }
        return "&" + ref;
    }
}
