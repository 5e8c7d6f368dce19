package dev.vit4j.text;

import dev.vit4j.Vit4jException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * open_clip's {@code SimpleTokenizer}, CLIP's byte-level BPE (Radford et al. 2021): the text cleaned (CLIP's default
 * "lower"), split by CLIP's pattern, each piece's UTF-8 bytes spelled as the vocabulary's characters and merged;
 * {@code <start_of_text>} … {@code <end_of_text>}, truncated to the context keeping the end token last, padded with 0.
 * The vocabulary is the one open_clip ships ({@code bpe_simple_vocab_16e6.txt.gz}, MIT, bundled here).
 */
public final class OpenClipTokenizer implements Tokenizer {
    static final String START = "<start_of_text>";
    static final String END = "<end_of_text>";
    private static final Pattern SPLIT = Pattern.compile(
            "<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    private static final class Bundled {
        static final BytePairEncoding BPE = readBundled();
    }

    private final BytePairEncoding bpe;
    private final Cleaning cleaning;
    private final int contextLength;
    private final int start;
    private final int end;

    private OpenClipTokenizer(BytePairEncoding bpe, Cleaning cleaning, int contextLength) {
        if (contextLength < 2) {
            throw new Vit4jException("a context of " + contextLength + " tokens holds no text");
        }
        this.bpe = bpe;
        this.cleaning = cleaning;
        this.contextLength = contextLength;
        this.start = bpe.id(START);
        this.end = bpe.id(END);
    }

    /** open_clip's default tokenizer over its bundled vocabulary ({@code clean} "lower" for CLIP). */
    public static OpenClipTokenizer bundled(Cleaning cleaning, int contextLength) {
        return new OpenClipTokenizer(Bundled.BPE, cleaning, contextLength);
    }

    /** The byte → character table of GPT-2 and CLIP ({@code bytes_to_unicode}): printable bytes stand for themselves. */
    static char[] bytesToUnicode() {
        char[] table = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            table[b] = printable[b] ? (char) b : (char) (256 + n++);
        }
        return table;
    }

    /**
     * The byte characters in the order CLIP's vocabulary lists them (the order of {@code bytes_to_unicode()}'s
     * values): the printable bytes, then the others.
     */
    static char[] byteCharactersInVocabularyOrder() {
        char[] table = bytesToUnicode();
        char[] out = new char[256];
        int n = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int b = 0; b < 256; b++) {
                if ((table[b] == b) == (pass == 0)) {
                    out[n++] = table[b];
                }
            }
        }
        return out;
    }

    private static BytePairEncoding readBundled() {
        try (InputStream raw = OpenClipTokenizer.class.getResourceAsStream("bpe_simple_vocab_16e6.txt.gz")) {
            if (raw == null) {
                throw new IllegalStateException("bpe_simple_vocab_16e6.txt.gz missing from the jar");
            }
            BufferedReader r =
                    new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
            r.readLine();
            // open_clip reads merges[1 : 49152 - 256 - 2 + 1]
            List<String[]> merges = new ArrayList<>(48894);
            for (int i = 0; i < 49152 - 256 - 2; i++) {
                String line = r.readLine();
                merges.add(line.split(" "));
            }
            char[] bytes = byteCharactersInVocabularyOrder();
            Map<String, Integer> vocab = new HashMap<>(1 << 17);
            List<String> order = new ArrayList<>(49408);
            for (char c : bytes) {
                order.add(String.valueOf(c));
            }
            for (char c : bytes) {
                order.add(c + "</w>");
            }
            for (String[] m : merges) {
                order.add(m[0] + m[1]);
            }
            order.add(START);
            order.add(END);
            for (int i = 0; i < order.size(); i++) {
                vocab.put(order.get(i), i);
            }
            return new BytePairEncoding(vocab, merges, "</w>", null);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable bundled CLIP vocabulary", e);
        }
    }

    private static final char[] BYTES = bytesToUnicode();

    /** The vocabulary's spelling of a piece's UTF-8 bytes. */
    static String byteLevel(String piece) {
        byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = BYTES[utf8[i] & 0xff];
        }
        return new String(out);
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public int[] encode(String text) {
        String cleaned = cleaning.apply(Tokenizer.checked(text));
        int[] ids = new int[contextLength];
        ids[0] = start;
        int n = 1;
        Matcher m = SPLIT.matcher(cleaned);
        fill:
        while (m.find()) {
            String piece = m.group();
            // open_clip's cache holds the special tokens as themselves: typed in the text, they are those tokens
            int[] pieceIds = piece.equals(START) ? new int[] {start} : piece.equals(END) ? new int[] {end} : null;
            if (pieceIds == null) {
                pieceIds = bpe.encode(byteLevel(piece));
            }
            for (int id : pieceIds) {
                if (n == contextLength) {
                    break fill;
                }
                ids[n++] = id;
            }
        }
        if (n == contextLength) {
            ids[contextLength - 1] = end;
        } else {
            ids[n] = end;
        }
        return ids;
    }

    @Override
    public String describe() {
        return "CLIP BPE (open_clip's, cleaning " + cleaning.id() + "), " + contextLength + " tokens";
    }
}
