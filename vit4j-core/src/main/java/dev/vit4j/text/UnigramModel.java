package dev.vit4j.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece's Unigram segmentation (Kudo 2018): the pieces that cover the text with the highest total score,
 * found by Viterbi over the text (its {@code EncodeOptimized}, which Hugging Face's {@code tokenizers} copies). A
 * character no piece starts with is an unknown node scored ten below the lowest piece; runs of unknowns fuse into one
 * unknown id (or, with byte fallback, become its UTF-8 bytes' pieces).
 */
final class UnigramModel {
    /** A node of the piece trie, keyed by UTF-16 units (pieces are whole code points). */
    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        int piece = -1;
    }

    private final Node root = new Node();
    private final double[] scores;
    private final int unkId;
    private final double unkScore;
    private final boolean floatScores;
    private final int[] byteIds;

    /**
     * {@code matchable[i]}: whether piece i may be matched in text (sentencepiece matches normal, user-defined and unused
     * pieces, never control or unknown ones). {@code floatScores}: path scores summed in float as sentencepiece does
     * (tokenizers sums in double). {@code byteIds}: the piece of each byte value for byte fallback, or null.
     */
    UnigramModel(
            List<String> pieces, double[] scores, boolean[] matchable, int unkId, boolean floatScores, int[] byteIds) {
        this.scores = scores;
        this.unkId = unkId;
        this.floatScores = floatScores;
        this.byteIds = byteIds;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < pieces.size(); i++) {
            if (!matchable[i] || pieces.get(i).isEmpty()) {
                continue;
            }
            min = Math.min(min, scores[i]);
            Node n = root;
            String p = pieces.get(i);
            for (int k = 0; k < p.length(); k++) {
                n = n.next.computeIfAbsent(p.charAt(k), c -> new Node());
            }
            if (n.piece < 0) {
                n.piece = i;
            }
        }
        double unk = (min == Double.POSITIVE_INFINITY ? 0 : min) - 10.0;
        this.unkScore = floatScores ? (float) unk : unk;
    }

    /** The ids of {@code text}, best path. */
    void encode(String text, List<Integer> out) {
        int n = text.length();
        if (n == 0) {
            return;
        }
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        int[] id = new int[n + 1];
        java.util.Arrays.fill(from, -1);
        from[0] = 0;
        for (int start = 0; start < n; ) {
            int charLen = Character.charCount(text.codePointAt(start));
            if (from[start] < 0) {
                start += charLen;
                continue;
            }
            double here = best[start];
            boolean singleChar = false;
            Node node = root;
            for (int end = start; end < n; end++) {
                node = node.next.get(text.charAt(end));
                if (node == null) {
                    break;
                }
                if (node.piece >= 0) {
                    int len = end + 1;
                    double score = add(here, scores[node.piece]);
                    if (from[len] < 0 || score > best[len]) {
                        best[len] = score;
                        from[len] = start;
                        id[len] = node.piece;
                    }
                    if (len == start + charLen) {
                        singleChar = true;
                    }
                }
            }
            if (!singleChar) {
                int len = start + charLen;
                double score = add(here, unkScore);
                if (from[len] < 0 || score > best[len]) {
                    best[len] = score;
                    from[len] = start;
                    id[len] = -1;
                }
            }
            start += charLen;
        }
        List<int[]> path = new ArrayList<>();
        for (int end = n; end > 0; end = from[end]) {
            path.add(new int[] {from[end], end, id[end]});
        }
        boolean previousUnknown = false;
        for (int k = path.size() - 1; k >= 0; k--) {
            int[] p = path.get(k);
            boolean unknown = p[2] < 0;
            if (unknown && byteIds != null) {
                for (byte b : text.substring(p[0], p[1]).getBytes(StandardCharsets.UTF_8)) {
                    out.add(byteIds[b & 0xff]);
                }
            } else if (unknown) {
                if (!previousUnknown) {
                    out.add(unkId);
                }
            } else {
                out.add(p[2]);
            }
            previousUnknown = unknown;
        }
    }

    private double add(double a, double b) {
        return floatScores ? (float) ((float) a + (float) b) : a + b;
    }
}
