package dev.vit4j.text;

import java.text.Normalizer;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy 6.3's {@code fix_text} with its default configuration, which open_clip's cleaning calls first: HTML entities
 * (only in lines before the first one holding a '&lt;'), mojibake ({@link MojibakeFixer}: text decoded in the wrong
 * encoding, "cafÃ©"), C1 controls read as windows-1252, Latin ligatures, full-width forms, curly quotes, line breaks,
 * lone surrogates, terminal escapes and control characters, then NFC, each line repeated until nothing changes.
 */
public final class TextFixer {
    private static final int MAX_DECODE_LENGTH = 1_000_000;
    private static final Pattern HTML_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    private static final Pattern ANSI = Pattern.compile("\u001b\\[((?:\\p{Nd}|;)*)([a-zA-Z])");

    private TextFixer() {}

    public static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int newline = text.indexOf('\n', pos);
            int end = newline < 0 ? text.length() : newline + 1;
            if (text.codePointCount(pos, end) > MAX_DECODE_LENGTH) {
                end = text.offsetByCodePoints(pos, MAX_DECODE_LENGTH);
            }
            String segment = text.substring(pos, end);
            // ftfy's unescape_html="auto": off from the first segment that looks like HTML on
            if (unescapeHtml && segment.indexOf('<') >= 0) {
                unescapeHtml = false;
            }
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        TextTables tables = TextTables.get();
        while (true) {
            String original = text;
            if (unescapeHtml) {
                text = unescapeHtml(text, tables);
            }
            text = MojibakeFixer.get().fixEncoding(text);
            text = translate(text, tables.c1);
            text = translate(text, tables.ligatures);
            text = translate(text, tables.width);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            if (text.indexOf('\u001b') >= 0) {
                text = ANSI.matcher(text).replaceAll("");
            }
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(original)) {
                return text;
            }
        }
    }

    private static String unescapeHtml(String text, TextTables tables) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = HTML_ENTITY.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String entity = m.group();
            String replacement = tables.ftfyEntities.get(entity);
            if (replacement == null) {
                replacement = entity;
                if (entity.startsWith("&#")) {
                    String unescaped = HtmlUnescape.unescape(entity);
                    // html.unescape decoded only part of it: keep the text
                    if (unescaped.indexOf(';') < 0) {
                        replacement = unescaped;
                    }
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Python's {@code str.translate} with a code point → text map. */
    static String translate(String text, Map<Integer, String> table) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            String to = table.get(cp);
            if (to != null && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                if (to != null) {
                    out.append(to);
                } else {
                    out.append(text, i, i + n);
                }
            }
            i += n;
        }
        return out == null ? text : out.toString();
    }

    private static String uncurlQuotes(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char to = c == '\u02bc' || c >= '\u2018' && c <= '\u201b' ? '\'' : c >= '\u201c' && c <= '\u201f' ? '"' : c;
            if (to != c && out == null) {
                out = new StringBuilder(text);
            }
            if (out != null) {
                out.setCharAt(i, to);
            }
        }
        return out == null ? text : out.toString();
    }

    private static String fixLineBreaks(String text) {
        return text.replace("\r\n", "\n")
                .replace('\r', '\n')
                .replace('\u2028', '\n')
                .replace('\u2029', '\n')
                .replace('\u0085', '\n');
    }

    /** A Java string holds surrogates only in pairs or alone; a lone one becomes U+FFFD, as ftfy does. */
    private static String fixSurrogates(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean lone = Character.isHighSurrogate(c)
                            && (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
            if (lone && out == null) {
                out = new StringBuilder(text);
            }
            if (lone) {
                out.setCharAt(i, '\uFFFD');
            }
        }
        return out == null ? text : out.toString();
    }

    private static boolean isControl(char c) {
        return c <= 0x08
                || c == 0x0B
                || c >= 0x0E && c <= 0x1F
                || c == 0x7F
                || c >= 0x206A && c <= 0x206F
                || c == 0xFEFF
                || c >= 0xFFF9 && c <= 0xFFFC;
    }

    private static String removeControlChars(String text) {
        int i = 0;
        while (i < text.length() && !isControl(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length()).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
