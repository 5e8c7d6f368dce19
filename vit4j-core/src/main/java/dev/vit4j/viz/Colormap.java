package dev.vit4j.viz;

import dev.vit4j.Vit4jException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** matplotlib's perceptually uniform colormaps (256-entry tables taken from matplotlib 3.6). */
public final class Colormap {
    private static final Map<String, int[]> TABLES = load();

    private final String name;
    private final int[] rgb;

    private Colormap(String name, int[] rgb) {
        this.name = name;
        this.rgb = rgb;
    }

    public static Colormap named(String name) {
        int[] t = TABLES.get(name);
        if (t == null) {
            throw new Vit4jException(
                    "unknown colormap '" + name + "' (one of " + String.join(", ", TABLES.keySet()) + ")");
        }
        return new Colormap(name, t);
    }

    public String name() {
        return name;
    }

    /** 0xRRGGBB for a value in [0, 1] (clamped; NaN maps to 0). */
    public int rgb(double v) {
        int i = Double.isNaN(v) ? 0 : (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
        return rgb[i];
    }

    private static Map<String, int[]> load() {
        Map<String, int[]> out = new LinkedHashMap<>();
        try (InputStream in = Colormap.class.getResourceAsStream("/dev/vit4j/viz/colormaps.tsv");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                int[] t = out.computeIfAbsent(f[0], k -> new int[256]);
                t[Integer.parseInt(f[1])] =
                        Integer.parseInt(f[2]) << 16 | Integer.parseInt(f[3]) << 8 | Integer.parseInt(f[4]);
            }
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("colormap tables missing from the jar", e);
        }
        return out;
    }
}
