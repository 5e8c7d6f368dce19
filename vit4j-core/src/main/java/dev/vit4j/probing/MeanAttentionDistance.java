package dev.vit4j.probing;

import dev.vit4j.nn.AttentionRecorder;
import dev.vit4j.weights.FloatTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mean attention distance (the ViT paper's Figure 7, as the All Things ViTs probing notebook computes it): for each head, the attention-weighted distance
 * in input pixels between a query patch and the patches it attends to, averaged over query patches.
 * Prefix tokens are removed (rows and columns, without renormalising, as that notebook does); patch distance
 * uses the real grid (rows × columns, tokens row-major), so non-square inputs work. Talking-heads blocks
 * use {@code attention_softmax} — the only rows that are distributions.
 */
public final class MeanAttentionDistance {
    private final int gridH;
    private final int gridW;
    private final double[] distance;
    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private int images;

    public MeanAttentionDistance(int gridH, int gridW, int patchSize) {
        this.gridH = gridH;
        this.gridW = gridW;
        this.distance = distanceMatrix(gridH, gridW, patchSize);
    }

    /** For reporting per-head sums gathered elsewhere ({@link #addSums}): no grid, nothing to compute. */
    public static MeanAttentionDistance ofSums(Map<String, double[]> blockSums, int images) {
        MeanAttentionDistance mad = new MeanAttentionDistance(0, 0, 0);
        mad.addSums(blockSums, images);
        return mad;
    }

    /** Pixel distance between patch centres i and j (row-major), patch_size · ‖(Δrow, Δcol)‖. */
    public static double[] distanceMatrix(int gridH, int gridW, int patchSize) {
        int n = gridH * gridW;
        double[] d = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i * n + j] = patchSize * Math.hypot(i / gridW - j / gridW, i % gridW - j % gridW);
            }
        }
        return d;
    }

    /** MAD per head of one image's self-attention (heads × N × N with N = prefix + grid). */
    public double[] perHead(FloatTensor attention) {
        int heads = attention.dim(0);
        int n = attention.dim(-1);
        int patches = gridH * gridW;
        int prefix = n - patches;
        if (attention.dim(1) != n || prefix < 0) {
            throw new IllegalArgumentException("not a self-attention over the " + gridH + "×" + gridW + " grid");
        }
        float[] a = attention.data();
        double[] out = new double[heads];
        for (int h = 0; h < heads; h++) {
            double total = 0;
            for (int i = 0; i < patches; i++) {
                int row = (h * n + prefix + i) * n + prefix;
                double s = 0;
                for (int j = 0; j < patches; j++) {
                    s += a[row + j] * distance[i * patches + j];
                }
                total += s;
            }
            out[h] = total / patches;
        }
        return out;
    }

    /**
     * The block names and tensors MAD is computed on, from one image's recorded attention (batch axis
     * dropped): {@code attention_softmax} where a block has it, else {@code attention}; only
     * self-attention blocks (class-attention blocks have a single query).
     */
    public static Map<String, FloatTensor> sources(Map<String, FloatTensor> recorded) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        String plain = AttentionRecorder.ATTENTION + ".";
        String softmax = AttentionRecorder.ATTENTION_SOFTMAX + ".";
        for (Map.Entry<String, FloatTensor> e : recorded.entrySet()) {
            if (!e.getKey().startsWith(plain)) {
                continue;
            }
            String block = e.getKey().substring(plain.length());
            FloatTensor t = recorded.getOrDefault(softmax + block, e.getValue());
            if (t.dim(1) == t.dim(2)) {
                out.put(block, t);
            }
        }
        return out;
    }

    /** Adds one image's recorded attention (batch axis dropped) to the running means. */
    public void add(Map<String, FloatTensor> recorded) {
        addSums(perImage(recorded), 1);
    }

    /**
     * Sums gathered elsewhere (a distributed job): per block, each head's MAD summed over {@code images} images. Blocks
     * are reported in the order first added.
     */
    public void addSums(Map<String, double[]> blockSums, int images) {
        blockSums.forEach((block, s) -> {
            double[] sum = sums.computeIfAbsent(block, k -> new double[s.length]);
            for (int h = 0; h < s.length; h++) {
                sum[h] += s[h];
            }
        });
        this.images += images;
    }

    /** One image's MAD per self-attention block and head (what {@link #add} sums). */
    public Map<String, double[]> perImage(Map<String, FloatTensor> recorded) {
        Map<String, double[]> out = new LinkedHashMap<>();
        sources(recorded).forEach((block, t) -> out.put(block, perHead(t)));
        return out;
    }

    public int images() {
        return images;
    }

    /** {@code mad.csv}: block,head,mean_distance. */
    public String csv() {
        StringBuilder csv = new StringBuilder("block,head,mean_distance\n");
        means().forEach((block, heads) -> {
            for (int h = 0; h < heads.length; h++) {
                csv.append(block)
                        .append(',')
                        .append(h)
                        .append(',')
                        .append(String.format(java.util.Locale.ROOT, "%.6f", heads[h]))
                        .append('\n');
            }
        });
        return csv.toString();
    }

    /** Block name → MAD per head, averaged over every image added. */
    public Map<String, double[]> means() {
        Map<String, double[]> out = new LinkedHashMap<>();
        sums.forEach((block, sum) -> {
            double[] m = new double[sum.length];
            for (int h = 0; h < m.length; h++) {
                m[h] = sum[h] / images;
            }
            out.put(block, m);
        });
        return out;
    }
}
