package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;

/**
 * The patch tokenization of the from-scratch ViT tutorial (Habr, "Vision Transformer"): {@code nn.Unfold(P, stride=P)} then a linear projection of each
 * flattened patch (channel-major, then rows, then columns, as Unfold flattens). It computes the same
 * function as {@link PatchEmbed}'s convolution when {@code project.weight} is the convolution kernel
 * reshaped to D × (C·P·P); it exists to show that equivalence and for models built as that tutorial builds them.
 */
public final class UnfoldPatchEmbed extends Module {
    private final int patchSize;
    private final int inChannels;
    private final Linear project;

    public UnfoldPatchEmbed(int inChannels, int patchSize, int dim) {
        this.patchSize = patchSize;
        this.inChannels = inChannels;
        this.project = child("project", new Linear(inChannels * patchSize * patchSize, dim, true));
    }

    public NDArray forward(NDArray x) {
        PatchEmbed.checkInput(x.getShape(), inChannels, patchSize);
        return project.forward(unfold(x, patchSize));
    }

    /** B × C × H × W → B × L × (C·P·P), L = (H/P)(W/P) in row-major order: what {@code nn.Unfold} gives, transposed. */
    public static NDArray unfold(NDArray x, int p) {
        long b = x.getShape().get(0);
        long c = x.getShape().get(1);
        long gh = x.getShape().get(2) / p;
        long gw = x.getShape().get(3) / p;
        return x.reshape(b, c, gh, p, gw, p).transpose(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, c * p * p);
    }
}
