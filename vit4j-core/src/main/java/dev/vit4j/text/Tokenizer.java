package dev.vit4j.text;

import java.util.List;

/**
 * Text to a text tower's token ids: exactly {@link #contextLength()} ids per text, padded and truncated as the model's
 * own library does (open_clip's tokenizers). Thread-safe.
 */
public interface Tokenizer {
    /** Texts longer than this many characters are refused before any work ({@link #encode}). */
    int MAX_TEXT_CHARS = 1 << 20;

    int contextLength();

    /** The ids of one text, {@link #contextLength()} of them. */
    int[] encode(String text);

    /** One row of ids per text, in order. */
    default int[][] encode(List<String> texts) {
        int[][] out = new int[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encode(texts.get(i));
        }
        return out;
    }

    /** What this tokenizer is, for messages and {@code vit4j models}: "CLIP BPE (open_clip), 77 tokens". */
    String describe();

    /** Refuses a null or oversized text, naming it as {@code what}. */
    static String checked(String text) {
        if (text == null) {
            throw new dev.vit4j.Vit4jException("a text is null");
        }
        if (text.length() > MAX_TEXT_CHARS) {
            throw new dev.vit4j.Vit4jException(
                    "a text of " + text.length() + " characters is longer than the " + MAX_TEXT_CHARS + " vit4j reads");
        }
        return text;
    }
}
