package dev.vit4j.data;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Training-time augmentation, applied in this order: random resized crop (or a plain resize to the model's
 * size), padding + random crop, random zoom (Keras {@code RandomZoom}, reflect fill), horizontal flip.
 * All off by default; {@link #kerasPerceiverExample()} is the recipe of Keras' Perceiver example.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Augmentation {
    /** Probability of a horizontal flip. */
    public double flip;
    /** Keras RandomZoom factor: each image is scaled by a factor drawn from [1 − zoom, 1 + zoom]. */
    public double zoom;
    /** Random resized crop: smallest area fraction; 0 = off. */
    public double cropScale;
    /** Padding (pixels, reflect) before a random crop back to size; 0 = off. */
    public int padCrop;
    /** Random erasing probability ({@link RandomErasing}, after normalization); 0 = off. */
    public double erase;

    public static Augmentation none() {
        return new Augmentation();
    }

    /** Keras' example "Image classification with Perceiver": RandomFlip("horizontal"), RandomZoom(0.2, 0.2). */
    public static Augmentation kerasPerceiverExample() {
        Augmentation a = new Augmentation();
        a.flip = 0.5;
        a.zoom = 0.2;
        return a;
    }

    /** Refuses settings that are no probability, share or size (NaN included), with the reason. */
    public Augmentation validate() {
        if (!(flip >= 0 && flip <= 1) || !(erase >= 0 && erase <= 1)) {
            throw new dev.vit4j.Vit4jException("flip and random-erase are probabilities in [0, 1]");
        }
        if (!(zoom >= 0 && zoom < 1) || !(cropScale >= 0 && cropScale <= 1) || padCrop < 0) {
            throw new dev.vit4j.Vit4jException("zoom must be in [0, 1), crop-scale in [0, 1], pad-crop ≥ 0");
        }
        return this;
    }

    public boolean isNone() {
        return flip == 0 && zoom == 0 && cropScale == 0 && padCrop == 0 && erase == 0;
    }

    @Override
    public String toString() {
        return isNone()
                ? "none"
                : "flip=" + flip + " zoom=" + zoom + " crop_scale=" + cropScale + " pad_crop=" + padCrop + " erase="
                        + erase;
    }
}
