package dev.vit4j.inference;

import dev.vit4j.weights.FloatTensor;
import java.util.Map;

/**
 * What one forward pass produced, copied out of native memory: logits and pre-logits (batch-major rows),
 * and the recorded attention tensors with their shapes (empty unless asked for).
 */
public record ModelOutputs(float[][] logits, float[][] preLogits, Map<String, FloatTensor> attention) {}
