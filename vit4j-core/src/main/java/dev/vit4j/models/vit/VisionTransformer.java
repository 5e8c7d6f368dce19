package dev.vit4j.models.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.VisionModel;
import dev.vit4j.nn.Dropout;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Initializer;
import dev.vit4j.nn.LayerNorm;
import dev.vit4j.nn.Parameter;
import dev.vit4j.nn.PatchEmbed;
import dev.vit4j.nn.PendingResidual;
import dev.vit4j.nn.Sequence;
import dev.vit4j.nn.SinusoidalPositionEncoding;
import dev.vit4j.nn.TransformerBlock;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.List;

/**
 * The Vision Transformer as timm's {@code vision_transformer.py} builds it (Dosovitskiy et al. 2020; DeiT):
 * patch embedding, optional class token, learned or fixed sinusoidal positions (Vaswani et al.), pre-norm
 * blocks, final norm, token or average pooling, head. Any H × W and channel count the patch size divides.
 */
public final class VisionTransformer extends VisionModel {
    private final PatchEmbed patchEmbed;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNorm norm;
    private final LayerNorm fcNorm;

    public VisionTransformer(ModelConfig config) {
        super(config);
        if (!VitFamily.ARCH.equals(config.arch)) {
            throw new IllegalArgumentException("not a ViT config: " + config.arch);
        }
        int dim = config.embedDim;
        this.clsToken = config.classToken
                ? parameterWithoutDecay("cls_token", new Shape(1, 1, dim), Initializer.normal(1e-6))
                : null;
        Shape posShape =
                new Shape(1, config.positionPrefixTokens() + (long) config.gridHeight() * config.gridWidth(), dim);
        this.posEmbed = "sinusoidal".equals(config.posEmbed)
                ? buffer("pos_embed", posShape, SinusoidalPositionEncoding.initializer())
                : parameterWithoutDecay("pos_embed", posShape, Initializer.truncatedNormal(0.02));
        this.patchEmbed = child("patch_embed", new PatchEmbed(config.inChans, config.patchSize, dim));
        Sequence blockList = child("blocks", new Sequence());
        int hidden = (int) (dim * config.mlpRatio);
        for (int i = 0; i < config.depth; i++) {
            blocks.add(blockList.add(new TransformerBlock(
                    dim,
                    config.numHeads,
                    hidden,
                    config.qkvBias,
                    config.initValues,
                    config.layerNormEps,
                    (float) config.dropRate,
                    (float) config.attnDropRate,
                    config.dropPathAt(i, config.depth))));
        }
        boolean useFcNorm = config.fcNorm != null ? config.fcNorm : "avg".equals(config.globalPool);
        this.norm = useFcNorm ? null : child("norm", new LayerNorm(dim, config.layerNormEps));
        this.fcNorm = useFcNorm ? child("fc_norm", new LayerNorm(dim, config.layerNormEps)) : null;
        addHead();
    }

    @Override
    public NDArray forwardPreLogits(NDArray images, ForwardContext ctx) {
        NDArray x = patchEmbed.forward(images);
        long b = x.getShape().get(0);
        if (clsToken != null) {
            x = NDArrays.concat(new NDList(clsToken.array().broadcast(b, 1, config.embedDim), x), 1);
        }
        x = Dropout.apply(x.add(positions(x)), (float) config.dropRate, ctx);
        for (TransformerBlock block : blocks) {
            x = block.forward(x, ctx);
        }
        if (norm != null) {
            x = norm.forward(x);
        }
        int prefix = config.prefixTokens();
        x = "avg".equals(config.globalPool) ? x.get(":, " + prefix + ":, :").mean(new int[] {1}) : x.get(":, 0, :");
        return fcNorm == null ? x : fcNorm.forward(x);
    }

    @Override
    protected String exportPreLogits(OnnxExport e, String pixels) {
        OnnxGraph g = e.graph();
        int dim = config.embedDim;
        String x = patchEmbed.export(g, pixels);
        if (clsToken != null) {
            String cls = g.initializer(
                    "cls_token", clsToken.shape().getShape(), clsToken.array().toFloatArray());
            x = g.node("Concat", new String[] {g.expandToBatch(cls, x, 1, dim), x}, OnnxGraph.Attr.of("axis", 1L));
        }
        x = g.node("Add", new String[] {
            x,
            g.initializer(
                    "pos_embed", posEmbed.shape().getShape(), posEmbed.array().toFloatArray())
        });
        boolean avg = "avg".equals(config.globalPool);
        PendingResidual stream = PendingResidual.of(x);
        for (int i = 0; i < blocks.size(); i++) {
            stream = blocks.get(i).export(e, stream, dim, !avg && i == blocks.size() - 1);
        }
        x = norm == null ? stream.sum(g) : stream.normalize(e, norm)[0];
        x = avg ? g.meanTokens(x, config.prefixTokens()) : g.token(x, 0);
        return fcNorm == null ? x : fcNorm.export(g, x);
    }

    private NDArray positions(NDArray tokens) {
        long expected = posEmbed.shape().get(1);
        if (tokens.getShape().get(1) != expected) {
            throw new Vit4jException("input gives " + (tokens.getShape().get(1) - config.prefixTokens())
                    + " patches but " + config.name + " is built for " + config.gridHeight() + "×" + config.gridWidth()
                    + " = " + (expected - config.prefixTokens()) + " (image " + config.height() + "×" + config.width()
                    + ")");
        }
        return posEmbed.array();
    }
}
