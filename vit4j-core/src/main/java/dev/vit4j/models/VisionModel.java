package dev.vit4j.models;

import ai.djl.ndarray.NDArray;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Linear;
import dev.vit4j.nn.Module;

/**
 * A model that maps an image batch (B × C × H × W) to pre-logits features (B × D) and logits (B × classes),
 * like timm's {@code forward_features} + {@code forward_head}.
 */
public abstract class VisionModel extends Module {
    protected final ModelConfig config;
    private Linear head;

    protected VisionModel(ModelConfig config) {
        this.config = config.validate();
    }

    /** Registers the classifier last, so parameter order follows timm's state dict. */
    protected final void addHead() {
        this.head = config.numClasses > 0 ? child("head", new Linear(config.embedDim, config.numClasses, true)) : null;
    }

    public final ModelConfig config() {
        return config;
    }

    /** The pooled, normalized features the head reads (timm's {@code forward_head(pre_logits=True)}). */
    public abstract NDArray forwardPreLogits(NDArray images, ForwardContext ctx);

    /** Logits from pre-logits; the identity for a model without head ({@code num_classes = 0}). */
    public final NDArray forwardHead(NDArray preLogits) {
        return head == null ? preLogits : head.forward(preLogits);
    }

    public final NDArray forward(NDArray images, ForwardContext ctx) {
        return forwardHead(forwardPreLogits(images, ctx));
    }

    public final int outputSize() {
        return head == null ? config.embedDim : config.numClasses;
    }
}
