package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.vit4j.Vit4jException;
import dev.vit4j.onnx.OnnxGraph;

/**
 * Image → patch tokens with a strided convolution (timm's {@code PatchEmbed}, weights
 * {@code patch_embed.proj.*}): B × C × H × W → B × (H/P · W/P) × D, tokens in row-major grid order.
 * Any height, width and channel count works as long as the patch size divides them.
 */
public final class PatchEmbed extends Module {
    private final int patchSize;
    private final int inChannels;
    private final Projection proj;

    public PatchEmbed(int inChannels, int patchSize, int dim) {
        this(inChannels, patchSize, dim, true);
    }

    /** Without {@code bias} as timm builds it for pre-norm models (CLIP): the LayerNorm after it would undo one. */
    public PatchEmbed(int inChannels, int patchSize, int dim, boolean bias) {
        this.patchSize = patchSize;
        this.inChannels = inChannels;
        this.proj = child("proj", new Projection(inChannels, patchSize, dim, bias));
    }

    public int patchSize() {
        return patchSize;
    }

    public NDArray forward(NDArray x) {
        checkInput(x.getShape(), inChannels, patchSize);
        NDArray y = Conv2d.conv2d(
                        x,
                        proj.weight.array(),
                        proj.bias == null ? null : proj.bias.array(),
                        new Shape(patchSize, patchSize))
                .singletonOrThrow();
        long b = y.getShape().get(0);
        long d = y.getShape().get(1);
        return y.reshape(b, d, -1).transpose(0, 2, 1);
    }

    /** Conv (kernel = stride = P), then B × D × (H/P·W/P) → B × N × D. */
    public String export(OnnxGraph g, String x) {
        String weight = g.initializer(
                proj.path() + ".weight",
                proj.weight.shape().getShape(),
                proj.weight.array().toFloatArray());
        String y = g.node(
                "Conv",
                proj.bias == null
                        ? new String[] {x, weight}
                        : new String[] {
                            x,
                            weight,
                            g.initializer(
                                    proj.path() + ".bias",
                                    proj.bias.shape().getShape(),
                                    proj.bias.array().toFloatArray())
                        },
                OnnxGraph.Attr.of("kernel_shape", new long[] {patchSize, patchSize}),
                OnnxGraph.Attr.of("strides", new long[] {patchSize, patchSize}));
        long dim = proj.weight.shape().get(0);
        String flat = g.node("Reshape", new String[] {y, g.ints(0, dim, -1)});
        return g.node("Transpose", new String[] {flat}, OnnxGraph.Attr.of("perm", new long[] {0, 2, 1}));
    }

    static void checkInput(Shape shape, int channels, int patchSize) {
        if (shape.dimension() != 4) {
            throw new Vit4jException("expected an image batch B×C×H×W, got shape " + shape);
        }
        if (shape.get(1) != channels) {
            throw new Vit4jException("the model takes " + channels + " channel(s), the input has " + shape.get(1));
        }
        long h = shape.get(2);
        long w = shape.get(3);
        if (h % patchSize != 0 || w % patchSize != 0) {
            throw new Vit4jException("image size " + h + "×" + w + " is not divisible by the patch size " + patchSize);
        }
    }

    /** The convolution's weight (D × C × P × P) and bias, under timm's name {@code proj}. */
    static final class Projection extends Module {
        final Parameter weight;
        final Parameter bias;

        Projection(int inChannels, int patchSize, int dim, boolean bias) {
            this.weight = parameter(
                    "weight", new Shape(dim, inChannels, patchSize, patchSize), Initializer.truncatedNormal(0.02));
            this.bias = bias ? parameter("bias", new Shape(dim), Initializer.ZEROS) : null;
        }
    }
}
