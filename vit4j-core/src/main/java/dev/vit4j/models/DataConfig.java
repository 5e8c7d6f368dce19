package dev.vit4j.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * timm's pretrained data config: what the eval transform does to an image before the model sees it.
 * {@code input_size} is channels × height × width.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DataConfig(
        @JsonProperty("input_size") int[] inputSize,
        @JsonProperty("interpolation") String interpolation,
        @JsonProperty("crop_pct") double cropPct,
        @JsonProperty("mean") double[] mean,
        @JsonProperty("std") double[] std) {

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
                + " mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std);
    }
}
