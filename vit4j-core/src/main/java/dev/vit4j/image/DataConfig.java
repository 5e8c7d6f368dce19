package dev.vit4j.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * timm's pretrained data config: what the eval transform does to an image before the model sees it.
 * {@code input_size} is channels × height × width. {@code crop_mode} is timm's: "center" resizes the shorter
 * side to {@code size / crop_pct}, "squash" both sides, "longest" (open_clip's {@code resize_mode}) the longer side
 * to {@code size}, the rest padded with black. {@code resize_size}, when given, replaces that
 * computation as Hugging Face image processors state it: {@code [height, width]} exactly, or
 * {@code [shortest_edge]}; the center crop to {@code input_size} follows either way.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DataConfig(
        @JsonProperty("input_size") int[] inputSize,
        @JsonProperty("interpolation") String interpolation,
        @JsonProperty("crop_pct") double cropPct,
        @JsonProperty("crop_mode") String cropMode,
        @JsonProperty("resize_size") int[] resizeSize,
        @JsonProperty("mean") double[] mean,
        @JsonProperty("std") double[] std) {

    public DataConfig {
        cropMode = cropMode == null ? "center" : cropMode;
        if (!cropMode.equals("center") && !cropMode.equals("squash") && !cropMode.equals("longest")) {
            throw new dev.vit4j.Vit4jException("unsupported crop_mode '" + cropMode + "' (center, squash or longest)");
        }
        if (resizeSize != null && resizeSize.length != 1 && resizeSize.length != 2) {
            throw new dev.vit4j.Vit4jException("resize_size is [height, width] or [shortest_edge]");
        }
    }

    public DataConfig(int[] inputSize, String interpolation, double cropPct, double[] mean, double[] std) {
        this(inputSize, interpolation, cropPct, "center", null, mean, std);
    }

    public static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    public static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};
    public static final double[] INCEPTION_MEAN = {0.5, 0.5, 0.5};
    public static final double[] INCEPTION_STD = {0.5, 0.5, 0.5};

    public static DataConfig imagenet(int size, double cropPct) {
        return new DataConfig(new int[] {3, size, size}, "bicubic", cropPct, IMAGENET_MEAN, IMAGENET_STD);
    }

    public static DataConfig inception(int size, double cropPct) {
        return new DataConfig(new int[] {3, size, size}, "bicubic", cropPct, INCEPTION_MEAN, INCEPTION_STD);
    }

    public int channels() {
        return inputSize[0];
    }

    public int height() {
        return inputSize[1];
    }

    public int width() {
        return inputSize[2];
    }

    @Override
    public String toString() {
        return "input_size=" + Arrays.toString(inputSize) + " interpolation=" + interpolation + " crop_pct=" + cropPct
                + " crop_mode=" + cropMode + (resizeSize == null ? "" : " resize_size=" + Arrays.toString(resizeSize))
                + " mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std);
    }
}
