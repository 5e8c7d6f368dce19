package dev.vit4j.text;

import dev.vit4j.Vit4jException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SentencePiece's normalization rules ({@code precompiled_charsmap}: NFKC and its own additions, compiled into a Darts
 * double-array trie over UTF-8 bytes and a blob of NUL-terminated replacements), applied the two ways they are applied
 * in practice: as the sentencepiece library does (the longest rule at each position), and as Hugging Face's
 * {@code tokenizers} {@code Precompiled} normalizer does (per grapheme, then per character, the first rule that
 * matches).
 */
final class PrecompiledCharsmap {
    private static final Pattern GRAPHEME = Pattern.compile("\\X");
    private final int[] units;
    private final byte[] normalized;

    private PrecompiledCharsmap(int[] units, byte[] normalized) {
        this.units = units;
        this.normalized = normalized;
    }

    /** The serialized form: a little-endian u32 trie size in bytes, the trie's units, the replacement blob. */
    static PrecompiledCharsmap parse(byte[] blob) {
        if (blob.length < 4) {
            throw new Vit4jException("the precompiled charsmap is " + blob.length + " bytes: too short");
        }
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieBytes = Integer.toUnsignedLong(b.getInt());
        if (trieBytes % 4 != 0 || trieBytes > blob.length - 4L || trieBytes == 0) {
            throw new Vit4jException("the precompiled charsmap's trie size " + trieBytes + " does not fit its "
                    + blob.length + " bytes");
        }
        int[] units = new int[(int) (trieBytes / 4)];
        for (int i = 0; i < units.length; i++) {
            units[i] = b.getInt();
        }
        byte[] normalized = new byte[b.remaining()];
        b.get(normalized);
        return new PrecompiledCharsmap(units, normalized);
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    /**
     * Darts' common-prefix search from {@code from}: for each rule whose key starts there, in order of length, its key
     * length in bytes (even slots) and replacement offset (odd slots); {@code out} receives up to its size / 2.
     */
    private int prefixSearch(byte[] key, int from, int to, int[] out) {
        int found = 0;
        int node = offset(units[0]);
        for (int i = from; i < to; i++) {
            int c = key[i] & 0xff;
            if (c == 0) {
                break;
            }
            node ^= c;
            if (node < 0 || node >= units.length) {
                return found;
            }
            int unit = units[node];
            if ((unit & 0x800000ff) != c) {
                return found;
            }
            node ^= offset(unit);
            if (((unit >>> 8) & 1) == 1 && found * 2 + 1 < out.length) {
                if (node < 0 || node >= units.length) {
                    return found;
                }
                out[found * 2] = i - from + 1;
                out[found * 2 + 1] = units[node] & 0x7fffffff;
                found++;
            }
        }
        return found;
    }

    private String replacement(int at) {
        if (at < 0 || at >= normalized.length) {
            throw new Vit4jException("the precompiled charsmap points outside its replacements");
        }
        int end = at;
        while (end < normalized.length && normalized[end] != 0) {
            end++;
        }
        return new String(normalized, at, end - at, StandardCharsets.UTF_8);
    }

    /** The longest rule at {@code from} as {byte length, replacement offset}; null where none applies. */
    int[] longest(byte[] utf8, int from) {
        int[] matches = new int[64];
        int n = prefixSearch(utf8, from, utf8.length, matches);
        if (n == 0) {
            return null;
        }
        int best = 0;
        for (int k = 1; k < n; k++) {
            if (matches[k * 2] > matches[best * 2]) {
                best = k;
            }
        }
        return new int[] {matches[best * 2], matches[best * 2 + 1]};
    }

    String replacementAt(int offset) {
        return replacement(offset);
    }

    /** The first rule matching at the start of {@code chunk}, as tokenizers' {@code Precompiled::transform}. */
    private String transform(String chunk) {
        byte[] key = chunk.getBytes(StandardCharsets.UTF_8);
        int[] first = new int[2];
        return prefixSearch(key, 0, key.length, first) == 0 ? null : replacement(first[1]);
    }

    /** tokenizers' {@code Precompiled} normalizer. */
    String normalizeAsTokenizers(String text) {
        StringBuilder out = new StringBuilder(text.length());
        Matcher m = GRAPHEME.matcher(text);
        while (m.find()) {
            String grapheme = m.group();
            if (utf8Length(grapheme) < 6) {
                String whole = transform(grapheme);
                if (whole != null) {
                    out.append(whole);
                    continue;
                }
            }
            for (int i = 0; i < grapheme.length(); ) {
                int n = Character.charCount(grapheme.codePointAt(i));
                String c = grapheme.substring(i, i + n);
                String to = transform(c);
                out.append(to == null ? c : to);
                i += n;
            }
        }
        return out.toString();
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }
}
