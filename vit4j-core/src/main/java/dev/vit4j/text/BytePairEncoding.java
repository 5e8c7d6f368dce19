package dev.vit4j.text;

import dev.vit4j.Vit4jException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding of one pre-split word (Sennrich et al. 2016), with CLIP's end-of-word marker: the word's symbols
 * (its last one with the suffix) merged by rank, the lowest-ranked pair first and every occurrence of it left to right,
 * as open_clip's {@code SimpleTokenizer.bpe} and the BPE model of Hugging Face's {@code tokenizers} do. Words are
 * cached (a bounded cache, cleared when full).
 */
final class BytePairEncoding {
    private static final int CACHE_LIMIT = 200_000;
    private final Map<String, Integer> vocab;
    private final Map<Long, int[]> merges = new HashMap<>();
    private final String endOfWord;
    private final Integer unk;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * {@code merges} as pairs of symbols, best first; {@code endOfWord} appended to a word's last symbol ("" for none);
     * {@code unk} the id of a symbol outside the vocabulary (null: such a symbol is an error).
     */
    BytePairEncoding(Map<String, Integer> vocab, List<String[]> merges, String endOfWord, Integer unk) {
        this.vocab = vocab;
        this.endOfWord = endOfWord;
        this.unk = unk;
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            Integer a = vocab.get(m[0]);
            Integer b = vocab.get(m[1]);
            Integer merged = vocab.get(m[0] + m[1]);
            if (a == null || b == null || merged == null) {
                throw new Vit4jException("merge " + (rank + 1) + " ('" + m[0] + "' '" + m[1]
                        + "') names a symbol the vocabulary does not hold");
            }
            this.merges.putIfAbsent(key(a, b), new int[] {rank, merged});
        }
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    int size() {
        return vocab.size();
    }

    Integer id(String symbol) {
        return vocab.get(symbol);
    }

    /** The ids of one word (its characters as the vocabulary spells bytes, for a byte-level vocabulary). */
    int[] encode(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] ids = merge(word);
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, ids);
        return ids;
    }

    private int[] merge(String word) {
        List<Integer> symbols = new ArrayList<>(word.length());
        for (int i = 0; i < word.length(); ) {
            int n = Character.charCount(word.codePointAt(i));
            boolean last = i + n == word.length();
            String s = word.substring(i, i + n) + (last ? endOfWord : "");
            Integer id = vocab.get(s);
            if (id == null) {
                if (unk == null) {
                    throw new Vit4jException("the vocabulary has no symbol '" + s + "'");
                }
                id = unk;
            }
            symbols.add(id);
            i += n;
        }
        int[] w = symbols.stream().mapToInt(Integer::intValue).toArray();
        int len = w.length;
        while (len > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestMerged = -1;
            long bestKey = 0;
            for (int i = 0; i + 1 < len; i++) {
                int[] m = merges.get(key(w[i], w[i + 1]));
                if (m != null && m[0] < bestRank) {
                    bestRank = m[0];
                    bestMerged = m[1];
                    bestKey = key(w[i], w[i + 1]);
                }
            }
            if (bestMerged < 0) {
                break;
            }
            int out = 0;
            for (int i = 0; i < len; ) {
                if (i + 1 < len && key(w[i], w[i + 1]) == bestKey) {
                    w[out++] = bestMerged;
                    i += 2;
                } else {
                    w[out++] = w[i++];
                }
            }
            len = out;
        }
        return java.util.Arrays.copyOf(w, len);
    }
}
