package dev.vit4j.data;

import java.util.List;

/** Some indices of another dataset (validation splits, --limit). */
public final class Subset implements Dataset {
    private final Dataset base;
    private final int[] indices;
    private final String name;

    public Subset(Dataset base, int[] indices, String name) {
        this.base = base;
        this.indices = indices;
        this.name = name;
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Example get(int index) {
        return base.get(indices[index]);
    }

    @Override
    public List<String> classes() {
        return base.classes();
    }

    @Override
    public int channels() {
        return base.channels();
    }

    @Override
    public int height() {
        return base.height();
    }

    @Override
    public int width() {
        return base.width();
    }

    @Override
    public String describe() {
        return name;
    }

    /** Seeded split: the last {@code fraction} of a seeded permutation is validation. */
    public static Subset[] split(Dataset data, double fraction, long seed) {
        int n = data.size();
        int[] perm = Shuffle.permutation(n, seed);
        int val = (int) Math.round(n * fraction);
        int[] train = java.util.Arrays.copyOfRange(perm, 0, n - val);
        int[] rest = java.util.Arrays.copyOfRange(perm, n - val, n);
        java.util.Arrays.sort(train);
        java.util.Arrays.sort(rest);
        return new Subset[] {
            new Subset(data, train, data.describe() + ", its training part (" + train.length + " images)"),
            new Subset(data, rest, data.describe() + ", its validation part (" + rest.length + " images)")
        };
    }

    public static Dataset limit(Dataset data, int limit) {
        if (limit <= 0 || limit >= data.size()) {
            return data;
        }
        int[] idx = new int[limit];
        for (int i = 0; i < limit; i++) {
            idx[i] = i;
        }
        return new Subset(data, idx, "first " + limit + " of " + data.describe());
    }
}
