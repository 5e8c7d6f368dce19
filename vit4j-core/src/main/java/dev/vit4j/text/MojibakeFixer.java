package dev.vit4j.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy 6.3's {@code fix_encoding} (Speer, ftfy: "fixes text for you"): text that was UTF-8 but was decoded in a
 * single-byte encoding ("cafÃ©") is encoded back in that encoding and decoded as UTF-8 ("café"), step by step until
 * nothing changes, only when its badness heuristic says the text looks like mojibake. Its sub-steps are here too:
 * {@code restore_byte_a0} (a U+A0 that became a space), {@code replace_lossy_sequences} (bytes lost to U+FFFD),
 * {@code utf-8-variants} (CESU-8 and Java's two-byte null), {@code decode_inconsistent_utf8} (mojibake inside clean
 * text), then Latin-1 read as windows-1252. The tables and regular expressions are ftfy's own, exported by
 * tools/text_tables.py; byte patterns run over Latin-1 strings (one char per byte).
 */
final class MojibakeFixer {
    private static final char SUBSTITUTE = 0x1a;
    private static final char REPLACEMENT = '\ufffd';

    private final TextTables tables;
    private final Pattern badness;
    /** UTF8_DETECTOR_RE's first unit (not after a continuation byte's character) and each one after it. */
    private final Pattern utf8Start;

    private final Pattern utf8Unit;
    private final Pattern alteredUtf8;
    private final Pattern lossyUtf8;
    private final Pattern aGraveWord;
    private final Map<String, Map<Character, Character>> encoders = new HashMap<>();

    private static final class Holder {
        static final MojibakeFixer FIXER = new MojibakeFixer(TextTables.get());
    }

    static MojibakeFixer get() {
        return Holder.FIXER;
    }

    private MojibakeFixer(TextTables tables) {
        this.tables = tables;
        this.badness = Pattern.compile(tables.regex.get("badness"), Pattern.UNIX_LINES);
        this.utf8Start = Pattern.compile(tables.regex.get("utf8_detector_start"), Pattern.UNIX_LINES);
        this.utf8Unit = Pattern.compile(tables.regex.get("utf8_detector_unit"), Pattern.UNIX_LINES);
        this.alteredUtf8 = Pattern.compile(tables.regex.get("altered_utf8"), Pattern.UNIX_LINES);
        this.lossyUtf8 = Pattern.compile(tables.regex.get("lossy_utf8"), Pattern.UNIX_LINES);
        this.aGraveWord = Pattern.compile(tables.regex.get("a_grave_word"), Pattern.UNIX_LINES);
        tables.charmaps.forEach((encoding, chars) -> {
            Map<Character, Character> encoder = new HashMap<>();
            for (int i = 0; i < 128; i++) {
                encoder.put(chars.charAt(i), (char) (0x80 + i));
            }
            // byte 0x1A: U+FFFD in the sloppy codecs, itself in the others
            encoder.put(chars.charAt(128), SUBSTITUTE);
            encoders.put(encoding, encoder);
        });
    }

    /** ftfy's {@code is_bad}: the text holds a sequence its heuristic takes for mojibake. */
    boolean isBad(String text) {
        return badness.matcher(text).find();
    }

    /** ftfy's {@code fix_encoding}: one step at a time until the text stays as it is. */
    String fixEncoding(String text) {
        while (true) {
            String fixed = fixOneStep(text);
            if (fixed.equals(text)) {
                return text;
            }
            text = fixed;
        }
    }

    private String fixOneStep(String text) {
        if (text.isEmpty() || isAscii(text) || !isBad(text)) {
            return text;
        }
        List<String> possible = new ArrayList<>();
        for (String encoding : tables.charmaps.keySet()) {
            String bytes = encode(text, encoding);
            if (bytes == null) {
                continue;
            }
            possible.add(encoding);
            if (!encoding.equals("macroman") && alteredUtf8.matcher(bytes).find()) {
                bytes = restoreByteA0(bytes);
            }
            if (encoding.startsWith("sloppy")) {
                bytes = lossyUtf8.matcher(bytes).replaceAll("\u00ef\u00bf\u00bd");
            }
            String decoded = bytes.indexOf(0xed) >= 0 || bytes.indexOf(0xc0) >= 0
                    ? decodeUtf8Variants(bytes)
                    : decodeUtf8(bytes);
            if (decoded != null) {
                return decoded;
            }
        }
        if (utf8Start.matcher(text).find()) {
            String fixed = decodeInconsistentUtf8(text);
            if (!fixed.equals(text)) {
                return fixed;
            }
        }
        // "windows-1252" is never among the possible ones (only its sloppy variant is), so Latin-1 text is always
        // tried as windows-1252, as ftfy does
        if (possible.contains("latin-1")) {
            String fixed = latin1AsWindows1252(text);
            if (fixed != null && !fixed.equals(text)) {
                return fixed;
            }
        }
        if (hasC1(text)) {
            return TextFixer.translate(text, tables.c1);
        }
        return text;
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasC1(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9f) {
                return true;
            }
        }
        return false;
    }

    /** The text's bytes in {@code encoding} as a Latin-1 string; null when a character is not in it. */
    private String encode(String text, String encoding) {
        Map<Character, Character> encoder = encoders.get(encoding);
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80 && c != SUBSTITUTE) {
                out.append(c);
                continue;
            }
            Character b = encoder.get(c);
            if (b == null) {
                return null;
            }
            out.append(b.charValue());
        }
        return out.toString();
    }

    /** ftfy's {@code restore_byte_a0}: "Ã " before a word becomes "à ", and spaces inside UTF-8 sequences U+A0. */
    private String restoreByteA0(String bytes) {
        String s = aGraveWord.matcher(bytes).replaceAll("\u00c3\u00a0 ");
        Matcher m = alteredUtf8.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group().replace(' ', '\u00a0')));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Strict UTF-8 of a Latin-1 string's bytes; null where Python's decoder raises. */
    private static String decodeUtf8(String bytes) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer out = utf8.decode(ByteBuffer.wrap(bytes.getBytes(StandardCharsets.ISO_8859_1)));
            return out.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * ftfy's {@code utf-8-variants}: UTF-8, plus CESU-8's six-byte surrogate pairs and Java's C0 80 for U+0000; null
     * where it raises.
     */
    private static String decodeUtf8Variants(String bytes) {
        StringBuilder out = new StringBuilder(bytes.length());
        int plainFrom = 0;
        int i = 0;
        int n = bytes.length();
        while (i < n) {
            char b = bytes.charAt(i);
            if (b == 0xc0 && i + 1 < n && bytes.charAt(i + 1) == 0x80) {
                if (!appendUtf8(out, bytes, plainFrom, i)) {
                    return null;
                }
                out.append('\u0000');
                i += 2;
                plainFrom = i;
            } else if (b == 0xed && i + 5 < n && cesu8(bytes, i)) {
                if (!appendUtf8(out, bytes, plainFrom, i)) {
                    return null;
                }
                int high = 0xd000 | (bytes.charAt(i + 1) & 0x3f) << 6 | bytes.charAt(i + 2) & 0x3f;
                int low = 0xd000 | (bytes.charAt(i + 4) & 0x3f) << 6 | bytes.charAt(i + 5) & 0x3f;
                out.append((char) high).append((char) low);
                i += 6;
                plainFrom = i;
            } else {
                i++;
            }
        }
        return appendUtf8(out, bytes, plainFrom, n) ? out.toString() : null;
    }

    private static boolean cesu8(String s, int i) {
        return in(s.charAt(i + 1), 0xa0, 0xaf)
                && in(s.charAt(i + 2), 0x80, 0xbf)
                && s.charAt(i + 3) == 0xed
                && in(s.charAt(i + 4), 0xb0, 0xbf)
                && in(s.charAt(i + 5), 0x80, 0xbf);
    }

    private static boolean in(char c, int from, int to) {
        return c >= from && c <= to;
    }

    private static boolean appendUtf8(StringBuilder out, String bytes, int from, int to) {
        if (from == to) {
            return true;
        }
        String decoded = decodeUtf8(bytes.substring(from, to));
        if (decoded == null) {
            return false;
        }
        out.append(decoded);
        return true;
    }

    /**
     * ftfy's {@code decode_inconsistent_utf8}: runs that look like UTF-8 mojibake fixed on their own. A run is
     * UTF8_DETECTOR_RE's {@code (unit)+}, extended one unit at a time (the same greedy match, without recursion).
     */
    private String decodeInconsistentUtf8(String text) {
        Matcher start = utf8Start.matcher(text);
        Matcher unit = utf8Unit.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        int from = 0;
        while (from <= text.length() && start.find(from)) {
            int end = start.end();
            while (end < text.length() && unit.region(end, text.length()).lookingAt()) {
                end = unit.end();
            }
            String run = text.substring(start.start(), end);
            out.append(text, copied, start.start());
            out.append(run.length() < text.length() && isBad(run) ? fixEncoding(run) : run);
            copied = end;
            from = end;
        }
        out.append(text, copied, text.length());
        return out.toString();
    }

    /** Latin-1 text read back as strict windows-1252; null when a byte is undefined there. */
    private String latin1AsWindows1252(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80 || c > 0xff) {
                if (c > 0xff) {
                    return null;
                }
                out.append(c);
                continue;
            }
            String w = tables.windows1252[c - 0x80];
            if (w == null) {
                return null;
            }
            out.append(w);
        }
        return out.toString();
    }
}
