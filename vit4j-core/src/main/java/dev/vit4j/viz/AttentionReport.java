package dev.vit4j.viz;

import dev.vit4j.Vit4jException;
import dev.vit4j.image.RgbImage;
import dev.vit4j.models.AttentionLayout;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.AttentionMaps;
import dev.vit4j.probing.AttentionRollout;
import dev.vit4j.probing.ClassTokenAttention;
import dev.vit4j.probing.CrossAttentionMaps;
import dev.vit4j.weights.FloatTensor;
import dev.vit4j.weights.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes one image's attention pictures and tensors into a directory: {@code input.png},
 * {@code heads_<block>.png} per selected block, {@code saliency.png} and {@code overlay.png} (from the
 * first selected block), optionally {@code rollout.png} and {@code rollout_overlay.png}, and
 * {@code attention.safetensors} with every recorded tensor (batch axis dropped).
 */
public final class AttentionReport {
    /**
     * Rendering choices: blocks (null: the model's default), colormap, overlay alpha, rollout settings, and for
     * the Perceiver the latents drawn one by one (null: the first {@value #DEFAULT_LATENTS}).
     */
    public record Options(
            List<String> blocks,
            Colormap colormap,
            double alpha,
            boolean rollout,
            AttentionRollout.HeadFusion fusion,
            double discardRatio,
            int[] latents) {}

    static final int DEFAULT_LATENTS = 8;
    private static final String CROSS_ATTENTION = "cross_attention.";

    private AttentionReport() {}

    /** Nearest-neighbour enlargement by an integer factor. */
    static RgbImage enlarge(RgbImage img, int factor) {
        if (factor == 1) {
            return img;
        }
        int w = img.width() * factor;
        int h = img.height() * factor;
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(img.pixels(), ((y / factor) * img.width() + x / factor) * 3, out, (y * w + x) * 3, 3);
            }
        }
        return new RgbImage(w, h, out);
    }

    public static void write(
            Path dir, String imageName, RgbImage input, Map<String, FloatTensor> attention, ModelConfig c, Options o)
            throws IOException {
        AttentionLayout layout = c.attentionLayout();
        if (o.rollout() && !layout.rollout()) {
            throw Vit4jException.naming("no {rollout} for %s: %s", c.name, layout.whyNoRollout());
        }
        int gh = c.gridHeight();
        int gw = c.gridWidth();
        // Small inputs (28×28, 32×32) are drawn larger, pixels kept square and sharp, so figures stay legible.
        int zoom = Math.max(1, 224 / Math.max(input.height(), input.width()));
        input = enlarge(input, zoom);
        int h = input.height();
        int w = input.width();
        Png.write(AttentionFigures.fromRgb(input), dir.resolve("input.png"));
        List<String> blocks = o.blocks() == null || o.blocks().isEmpty() ? layout.defaultBlocks() : o.blocks();
        for (String block : blocks) {
            float[] first = AttentionMaps.saliency(attention, block, c, h, w);
            if (block.equals(blocks.get(0))) {
                Png.write(AttentionFigures.colorize(first, h, w, o.colormap()), dir.resolve("saliency.png"));
                Png.write(AttentionFigures.overlay(input, first, o.colormap(), o.alpha()), dir.resolve("overlay.png"));
            }
            if (block.startsWith(CROSS_ATTENTION)) {
                writeLatents(dir, attention.get("attention." + block), block, c, o, input, first);
                continue;
            }
            float[][] heads = ClassTokenAttention.perHead(attention.get("attention." + block), gh, gw);
            Png.write(
                    AttentionFigures.headsGrid(
                            c.name + " · " + block + " · class-token attention per head",
                            heads,
                            gh,
                            gw,
                            h,
                            w,
                            o.colormap()),
                    dir.resolve("heads_" + block + ".png"));
        }
        if (o.rollout()) {
            float[] mask = AttentionMaps.rolloutGrid(attention, c, o.fusion(), o.discardRatio());
            float[] up = ClassTokenAttention.minMax(ClassTokenAttention.upsample(mask, gh, gw, h, w));
            Png.write(AttentionFigures.colorize(up, h, w, o.colormap()), dir.resolve("rollout.png"));
            Png.write(AttentionFigures.overlay(input, up, o.colormap(), o.alpha()), dir.resolve("rollout_overlay.png"));
        }
        SafeTensorsWriter.write(
                dir.resolve("attention.safetensors"),
                attention,
                Map.of("model", String.valueOf(c.name), "image", imageName));
    }

    /**
     * A Perceiver iteration: {@code latents_<block>.png} (one panel per selected latent, mean over heads) and
     * {@code overlay_<block>.png} (the mean over all latents on the image).
     */
    private static void writeLatents(
            Path dir, FloatTensor t, String block, ModelConfig c, Options o, RgbImage input, float[] mean)
            throws IOException {
        int[] latents = o.latents();
        if (latents == null) {
            latents = new int[Math.min(DEFAULT_LATENTS, t.dim(1))];
            for (int i = 0; i < latents.length; i++) {
                latents[i] = i;
            }
        }
        String[] labels = new String[latents.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = "latent " + latents[i];
        }
        Png.write(
                AttentionFigures.mapsGrid(
                        c.name + " · " + block + " · what each latent reads (mean over heads)",
                        labels,
                        CrossAttentionMaps.perLatent(t, latents),
                        c.gridHeight(),
                        c.gridWidth(),
                        input.height(),
                        input.width(),
                        o.colormap()),
                dir.resolve("latents_" + block + ".png"));
        Png.write(
                AttentionFigures.overlay(input, mean, o.colormap(), o.alpha()),
                dir.resolve("overlay_" + block + ".png"));
    }
}
