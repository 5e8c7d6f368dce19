package dev.vit4j.models.cait;

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
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.List;

/**
 * CaiT, "Going deeper with Image Transformers" (Touvron et al. 2021), as timm's {@code cait.py}, Keras' CaiT
 * example and the official (Paddle) code build it: talking-heads self-attention blocks on the patch tokens only, then the class token is
 * introduced and class-attention blocks ({@link ClassAttention}) let it read the frozen patches; LayerScale
 * on every residual branch.
 */
public final class Cait extends VisionModel {
    private final PatchEmbed patchEmbed;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final List<TalkingHeadsBlock> blocks = new ArrayList<>();
    private final List<ClassAttentionBlock> blocksTokenOnly = new ArrayList<>();
    private final LayerNorm norm;

    public Cait(ModelConfig config) {
        super(config);
        if (!CaitFamily.ARCH.equals(config.arch)) {
            throw new IllegalArgumentException("not a CaiT config: " + config.arch);
        }
        CaitOptions options = CaitOptions.of(config);
        int dim = config.embedDim;
        this.clsToken = parameterWithoutDecay("cls_token", new Shape(1, 1, dim), Initializer.truncatedNormal(0.02));
        Shape posShape = new Shape(1, (long) config.gridHeight() * config.gridWidth(), dim);
        this.posEmbed = "sinusoidal".equals(config.posEmbed)
                ? buffer("pos_embed", posShape, SinusoidalPositionEncoding.initializer())
                : parameterWithoutDecay("pos_embed", posShape, Initializer.truncatedNormal(0.02));
        this.patchEmbed = child("patch_embed", new PatchEmbed(config.inChans, config.patchSize, dim));
        Sequence sa = child("blocks", new Sequence());
        for (int i = 0; i < config.depth; i++) {
            blocks.add(sa.add(new TalkingHeadsBlock(
                    dim,
                    config.numHeads,
                    (int) (dim * config.mlpRatio),
                    config.qkvBias,
                    config.initValues,
                    config.layerNormEps,
                    (float) config.dropRate,
                    (float) config.attnDropRate,
                    config.dropPathAt(i, config.depth),
                    options.identityTalkingHeads())));
        }
        Sequence ca = child("blocks_token_only", new Sequence());
        for (int i = 0; i < options.depthTokenOnly(); i++) {
            // timm: no dropout and no stochastic depth in the class-attention stage.
            blocksTokenOnly.add(ca.add(new ClassAttentionBlock(
                    dim,
                    config.numHeads,
                    (int) (dim * options.mlpRatioTokenOnly()),
                    config.qkvBias,
                    config.initValues,
                    config.layerNormEps,
                    0f,
                    0f,
                    0f)));
        }
        this.norm = child("norm", new LayerNorm(dim, config.layerNormEps));
        addHead();
    }

    @Override
    public NDArray forwardPreLogits(NDArray images, ForwardContext ctx) {
        NDArray x = patchEmbed.forward(images);
        if (x.getShape().get(1) != posEmbed.shape().get(1)) {
            throw new Vit4jException("input gives " + x.getShape().get(1) + " patches but " + config.name
                    + " is built for " + config.gridHeight() + "×" + config.gridWidth() + " (image " + config.height()
                    + "×" + config.width() + ")");
        }
        x = Dropout.apply(x.add(posEmbed.array()), (float) config.dropRate, ctx);
        for (TalkingHeadsBlock block : blocks) {
            x = block.forward(x, ctx);
        }
        NDArray cls = clsToken.array().broadcast(x.getShape().get(0), 1, config.embedDim);
        for (ClassAttentionBlock block : blocksTokenOnly) {
            cls = block.forward(x, cls, ctx);
        }
        x = norm.forward(NDArrays.concat(new NDList(cls, x), 1));
        return "avg".equals(config.globalPool) ? x.get(":, 1:, :").mean(new int[] {1}) : x.get(":, 0, :");
    }

    @Override
    protected String exportPreLogits(OnnxExport e, String pixels) {
        OnnxGraph g = e.graph();
        int dim = config.embedDim;
        String x = g.node("Add", new String[] {
            patchEmbed.export(g, pixels),
            g.initializer(
                    "pos_embed", posEmbed.shape().getShape(), posEmbed.array().toFloatArray())
        });
        PendingResidual stream = PendingResidual.of(x);
        for (TalkingHeadsBlock block : blocks) {
            stream = block.export(e, stream, dim);
        }
        x = stream.sum(g);
        String cls = g.expandToBatch(
                g.initializer(
                        "cls_token",
                        clsToken.shape().getShape(),
                        clsToken.array().toFloatArray()),
                x,
                1,
                dim);
        for (ClassAttentionBlock block : blocksTokenOnly) {
            cls = block.export(e, x, cls, dim);
        }
        if ("avg".equals(config.globalPool)) {
            return g.meanTokens(
                    norm.export(g, g.node("Concat", new String[] {cls, x}, OnnxGraph.Attr.of("axis", 1L))), 1);
        }
        return g.token(norm.export(g, cls), 0); // the norm is per token: only the class token's is needed
    }
}
