package dev.vit4j;

import dev.vit4j.weights.SafeTensors;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The timm fixtures, copied byte for byte from shared/fixtures into the test resources. */
public final class Fixtures {
    private Fixtures() {}

    /**
     * The fixtures made with timm itself (config.json, model.safetensors, input.safetensors, expected.safetensors):
     * the seed-era ones from ../shared/fixtures and tools/timm_backbone_fixtures.py's.
     */
    public static java.util.stream.Stream<String> timmModels() {
        return java.util.stream.Stream.of(
                "vit_micro",
                "cait_micro",
                "vit_seed_regression",
                "dinov2_micro",
                "dinov2_micro_resampled",
                "clip_micro",
                "siglip_micro",
                "deit_distilled_micro");
    }

    public static Path path(String relative) {
        URL url = Fixtures.class.getResource("/fixtures/" + relative);
        if (url == null) {
            throw new IllegalArgumentException("no fixture " + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static float[] tensor(String file, String name) {
        try (SafeTensors st = SafeTensors.open(path(file))) {
            return st.floats(name);
        }
    }

    public static long[] shape(String file, String name) {
        try (SafeTensors st = SafeTensors.open(path(file))) {
            return st.info(name).shape();
        }
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    public static float[] flatten(float[][] rows) {
        int n = rows.length == 0 ? 0 : rows[0].length;
        float[] out = new float[rows.length * n];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * n, n);
        }
        return out;
    }
}
