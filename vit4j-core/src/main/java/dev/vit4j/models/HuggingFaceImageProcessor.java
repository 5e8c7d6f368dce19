package dev.vit4j.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A Hugging Face {@code preprocessor_config.json} ({@code ViTImageProcessor}, {@code DeiTImageProcessor}) as the
 * {@link DataConfig} that reproduces it: PIL resize to {@code size} (exact height × width, or the shorter side to
 * {@code shortest_edge}) with its {@code resample} filter, the optional center crop, {@code rescale_factor} and
 * normalization. The checkpoints of All Things ViTs' mean-attention-distance notebook are preprocessed this way, not with timm's crop.
 */
public final class HuggingFaceImageProcessor {
    private static final double RESCALE = 1 / 255.0;

    private HuggingFaceImageProcessor() {}

    /** {@code ViTImageProcessor()}'s defaults, for a directory without {@code preprocessor_config.json}. */
    public static DataConfig defaults(int channels, int size) {
        return new DataConfig(
                new int[] {channels, size, size},
                "bilinear",
                1.0,
                "squash",
                new int[] {size, size},
                fill(channels, 0.5),
                fill(channels, 0.5));
    }

    public static DataConfig read(Path file, int channels) {
        JsonNode p;
        try {
            p = Configs.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new Vit4jException("invalid " + file + ": " + Configs.firstLine(e.getMessage()));
        }
        if (p == null || !p.isObject()) {
            throw new Vit4jException("invalid " + file + ": not a JSON object");
        }
        if (!p.path("do_resize").asBoolean(true)) {
            throw new Vit4jException(
                    file + ": do_resize false is not supported (images would reach the model unresized)");
        }
        int[] resize = size(p.get("size"), 224, file);
        int[] input = p.path("do_center_crop").asBoolean(false) ? size(p.get("crop_size"), 224, file) : resize;
        if (input.length != 2) {
            throw new Vit4jException(file + ": a shortest_edge size needs a center crop to give a fixed input size");
        }
        if (p.path("do_rescale").asBoolean(true)
                && Math.abs(p.path("rescale_factor").asDouble(RESCALE) - RESCALE) > 1e-12) {
            throw new Vit4jException(
                    file + ": rescale_factor " + p.path("rescale_factor").asText() + " is not supported (1/255)");
        }
        if (!p.path("do_rescale").asBoolean(true)) {
            throw new Vit4jException(file + ": do_rescale false is not supported");
        }
        boolean normalize = p.path("do_normalize").asBoolean(true);
        double[] mean = normalize ? values(p.get("image_mean"), channels, 0.5, file) : fill(channels, 0);
        double[] std = normalize ? values(p.get("image_std"), channels, 0.5, file) : fill(channels, 1);
        return new DataConfig(
                new int[] {channels, input[0], input[1]},
                resample(p.path("resample").asInt(2), file),
                1.0,
                "squash",
                resize,
                mean,
                std);
    }

    /** PIL's filter numbers, as transformers stores them. */
    private static String resample(int pil, Path file) {
        return switch (pil) {
            case 2 -> "bilinear";
            case 3 -> "bicubic";
            default -> throw new Vit4jException(
                    file + ": resample " + pil + " is not supported (2 bilinear, 3 bicubic)");
        };
    }

    /** {"height", "width"}, {"shortest_edge"}, or a bare int (square, as transformers' default_to_square). */
    private static int[] size(JsonNode n, int fallback, Path file) {
        if (n == null || n.isNull()) {
            return new int[] {fallback, fallback};
        }
        if (n.canConvertToInt()) {
            return new int[] {n.asInt(), n.asInt()};
        }
        if (n.has("height") && n.has("width")) {
            return new int[] {n.get("height").asInt(), n.get("width").asInt()};
        }
        if (n.has("shortest_edge") && !n.has("longest_edge")) {
            return new int[] {n.get("shortest_edge").asInt()};
        }
        throw new Vit4jException(file + ": unsupported size " + n);
    }

    private static double[] values(JsonNode n, int channels, double fallback, Path file) {
        if (n == null || n.isNull()) {
            return fill(channels, fallback);
        }
        if (n.isNumber()) {
            return fill(channels, n.asDouble());
        }
        if (!n.isArray() || n.size() != channels) {
            throw new Vit4jException(file + ": image_mean and image_std need " + channels + " values, got " + n);
        }
        double[] out = new double[channels];
        for (int i = 0; i < channels; i++) {
            out[i] = n.get(i).asDouble();
        }
        return out;
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
