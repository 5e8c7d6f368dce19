package dev.vit4j.text;

import java.util.Locale;

/**
 * open_clip's text cleaning before tokenizing ({@code get_clean_fn}): each starts with {@code basic_clean} (ftfy's
 * {@code fix_text}, HTML unescaped twice, stripped); "whitespace" then collapses runs of whitespace, "lower" also
 * lower-cases (CLIP's default), and "canonicalize" (SigLIP's, from big_vision) turns '_' into spaces, removes ASCII
 * punctuation and lower-cases. "none" leaves text as it is (transformers' own tokenizers clean nothing).
 */
public enum Cleaning {
    NONE("none"),
    WHITESPACE("whitespace"),
    LOWER("lower"),
    CANONICALIZE("canonicalize"),
    /**
     * transformers' {@code SiglipTokenizer.canonicalize_text}: big_vision's canonicalization without open_clip's
     * {@code basic_clean} (no ftfy, no HTML unescaping) and with '_' removed as punctuation, not made a space.
     */
    TRANSFORMERS_CANONICALIZE("transformers-canonicalize");

    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private final String id;

    Cleaning(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Cleaning of(String id) {
        for (Cleaning c : values()) {
            if (c.id.equals(id)) {
                return c;
            }
        }
        throw new dev.vit4j.Vit4jException(
                "unknown text cleaning '" + id + "' (open_clip's: whitespace, lower, canonicalize; transformers'"
                        + " SigLIP's: transformers-canonicalize; or none)");
    }

    public String apply(String text) {
        return switch (this) {
            case NONE -> text;
            case WHITESPACE -> joinWords(basicClean(text));
            case LOWER -> lower(joinWords(basicClean(text)));
            case CANONICALIZE -> canonicalize(basicClean(text).replace('_', ' '));
            case TRANSFORMERS_CANONICALIZE -> canonicalize(text);
        };
    }

    static String basicClean(String text) {
        String fixed = TextFixer.fixText(text);
        return strip(HtmlUnescape.unescape(HtmlUnescape.unescape(fixed)));
    }

    /** Lower-cased, ASCII punctuation removed, runs of whitespace one space, stripped. */
    private static String canonicalize(String t) {
        StringBuilder kept = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                kept.append(c);
            }
        }
        return joinWords(lower(kept.toString()));
    }

    /** Python's {@code str.lower()}: full Unicode lower-casing, as Java's without a locale's special rules. */
    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    /** Python's {@code str.isspace} of one code point. */
    static boolean isPythonSpace(int c) {
        return c >= 0x09 && c <= 0x0d
                || c >= 0x1c && c <= 0x20
                || c == 0x85
                || c == 0xa0
                || c == 0x1680
                || c >= 0x2000 && c <= 0x200a
                || c == 0x2028
                || c == 0x2029
                || c == 0x202f
                || c == 0x205f
                || c == 0x3000;
    }

    /** Python's {@code str.strip()}. */
    static String strip(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && isPythonSpace(text.charAt(from))) {
            from++;
        }
        while (to > from && isPythonSpace(text.charAt(to - 1))) {
            to--;
        }
        return text.substring(from, to);
    }

    /** {@code " ".join(text.split())}: words between runs of Python whitespace. */
    static String joinWords(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && isPythonSpace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isPythonSpace(text.charAt(i))) {
                i++;
            }
            if (i > start) {
                if (out.length() > 0) {
                    out.append(' ');
                }
                out.append(text, start, i);
            }
        }
        return out.toString();
    }
}
