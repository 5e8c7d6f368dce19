package dev.vit4j.inference;

/** One of the top-k classes of an image. */
public record Prediction(int index, String label, double probability, double logit) {}
