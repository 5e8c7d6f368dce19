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
import dev.vit4j.nn.Linear;
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
 * blocks, final norm, token, average or attention pooling, head. Any H × W and channel count the patch size
 * divides. The switches of later ViTs ({@link VitOptions}): register tokens and positions for the patches only
 * (DINOv2), a norm before the blocks and QuickGELU (CLIP), attention pooling without class token (SigLIP), DeiT's
 * distillation token and second head.
 */
public final class VisionTransformer extends VisionModel {
    private final VitOptions options;
    // Asked of the family once: both come from the config's typed options, read through JSON.
    private final int prefix;
    private final int positionPrefix;
    private final PatchEmbed patchEmbed;
    private final Parameter clsToken;
    private final Parameter regToken;
    private final Parameter posEmbed;
    private final LayerNorm normPre;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNorm norm;
    private final AttentionPoolLatent attnPool;
    private final LayerNorm fcNorm;
    private final Parameter distToken;
    private final Linear headDist;

    public VisionTransformer(ModelConfig config) {
        super(config);
        if (!VitFamily.ARCH.equals(config.arch)) {
            throw new IllegalArgumentException("not a ViT config: " + config.arch);
        }
        this.options = VitOptions.of(config);
        this.prefix = config.prefixTokens();
        this.positionPrefix = config.positionPrefixTokens();
        int dim = config.embedDim;
        this.clsToken = config.classToken
                ? parameterWithoutDecay("cls_token", new Shape(1, 1, dim), Initializer.normal(1e-6))
                : null;
        this.regToken = options.regTokens() > 0
                ? parameterWithoutDecay("reg_token", new Shape(1, options.regTokens(), dim), Initializer.normal(1e-6))
                : null;
        Shape posShape = new Shape(1, positionPrefix + (long) config.gridHeight() * config.gridWidth(), dim);
        this.posEmbed = "sinusoidal".equals(config.posEmbed)
                ? buffer("pos_embed", posShape, SinusoidalPositionEncoding.initializer())
                : parameterWithoutDecay("pos_embed", posShape, Initializer.truncatedNormal(0.02));
        this.patchEmbed =
                child("patch_embed", new PatchEmbed(config.inChans, config.patchSize, dim, !options.preNorm()));
        this.normPre = options.preNorm() ? child("norm_pre", new LayerNorm(dim, config.layerNormEps)) : null;
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
                    config.dropPathAt(i, config.depth),
                    options.activation())));
        }
        boolean useFcNorm = config.fcNorm != null ? config.fcNorm : "avg".equals(config.globalPool);
        this.norm = useFcNorm ? null : child("norm", new LayerNorm(dim, config.layerNormEps));
        this.attnPool = "map".equals(config.globalPool)
                ? child(
                        AttentionPoolLatent.NAME,
                        new AttentionPoolLatent(
                                dim,
                                config.numHeads,
                                hidden,
                                config.qkvBias,
                                config.layerNormEps,
                                options.activation()))
                : null;
        this.fcNorm = useFcNorm ? child("fc_norm", new LayerNorm(dim, config.layerNormEps)) : null;
        addHead();
        // timm's VisionTransformerDistilled registers its token and second head after the rest.
        this.distToken = options.distilled()
                ? parameterWithoutDecay("dist_token", new Shape(1, 1, dim), Initializer.truncatedNormal(0.02))
                : null;
        this.headDist = options.distilled() && config.numClasses > 0
                ? child("head_dist", new Linear(dim, config.numClasses, true))
                : null;
    }

    /** A learned token (or tokens) put before the patches, under its timm name. */
    private record PrefixToken(String name, Parameter parameter) {}

    /** The tokens put before the patches, in timm's order: class, distillation (DeiT), registers (DINOv2). */
    private List<PrefixToken> prefixTokens() {
        List<PrefixToken> out = new ArrayList<>();
        if (clsToken != null) {
            out.add(new PrefixToken("cls_token", clsToken));
        }
        if (distToken != null) {
            out.add(new PrefixToken("dist_token", distToken));
        }
        if (regToken != null) {
            out.add(new PrefixToken("reg_token", regToken));
        }
        return out;
    }

    /** timm's {@code forward_features}: B × C × H × W → B × tokens × D, normalized. */
    private NDArray features(NDArray images, ForwardContext ctx) {
        NDArray x = patchEmbed.forward(images);
        long b = x.getShape().get(0);
        NDArray positions = positions(x);
        if (options.noEmbedClass()) {
            x = x.add(positions);
        }
        NDList tokens = new NDList();
        for (PrefixToken t : prefixTokens()) {
            tokens.add(t.parameter().array().broadcast(b, t.parameter().shape().get(1), config.embedDim));
        }
        if (!tokens.isEmpty()) {
            tokens.add(x);
            x = NDArrays.concat(tokens, 1);
        }
        if (!options.noEmbedClass()) {
            x = x.add(positions);
        }
        x = Dropout.apply(x, (float) config.dropRate, ctx);
        if (normPre != null) {
            x = normPre.forward(x);
        }
        for (TransformerBlock block : blocks) {
            x = block.forward(x, ctx);
        }
        return norm == null ? x : norm.forward(x);
    }

    @Override
    public NDArray forwardPreLogits(NDArray images, ForwardContext ctx) {
        return preLogits(features(images, ctx), ctx);
    }

    private NDArray preLogits(NDArray x, ForwardContext ctx) {
        if (distToken != null) {
            return x.get(":, 0, :").add(x.get(":, 1, :")).div(2f);
        }
        if (attnPool != null) {
            x = attnPool.forward(x, ctx);
        } else if ("avg".equals(config.globalPool)) {
            x = x.get(":, " + prefix + ":, :").mean(new int[] {1});
        } else {
            x = x.get(":, 0, :");
        }
        return fcNorm == null ? x : fcNorm.forward(x);
    }

    /** Distilled: the class token's head and the distillation token's head, averaged (timm's eval output). */
    @Override
    public Outputs forwardOutputs(NDArray images, ForwardContext ctx) {
        if (distToken == null) {
            return super.forwardOutputs(images, ctx);
        }
        NDArray x = features(images, ctx);
        NDArray pre = preLogits(x, ctx);
        if (headDist == null) {
            return new Outputs(pre, pre);
        }
        NDArray logits = forwardHead(x.get(":, 0, :")).add(headDist.forward(x.get(":, 1, :")));
        return new Outputs(pre, logits.div(2f));
    }

    /** The tokens after the final norm, as graph nodes. */
    private String exportFeatures(OnnxExport e, String pixels, boolean firstTokenOnly) {
        OnnxGraph g = e.graph();
        int dim = config.embedDim;
        String x = patchEmbed.export(g, pixels);
        String positions = g.initializer(
                "pos_embed", posEmbed.shape().getShape(), posEmbed.array().toFloatArray());
        if (options.noEmbedClass()) {
            x = g.node("Add", new String[] {x, positions});
        }
        List<String> tokens = new ArrayList<>();
        for (PrefixToken t : prefixTokens()) {
            Parameter p = t.parameter();
            tokens.add(g.expandToBatch(
                    g.initializer(t.name(), p.shape().getShape(), p.array().toFloatArray()),
                    x,
                    p.shape().get(1),
                    dim));
        }
        if (!tokens.isEmpty()) {
            tokens.add(x);
            x = g.node("Concat", tokens.toArray(new String[0]), OnnxGraph.Attr.of("axis", 1L));
        }
        if (!options.noEmbedClass()) {
            x = g.node("Add", new String[] {x, positions});
        }
        if (normPre != null) {
            x = normPre.export(g, x);
        }
        PendingResidual stream = PendingResidual.of(x);
        for (int i = 0; i < blocks.size(); i++) {
            stream = blocks.get(i).export(e, stream, dim, firstTokenOnly && i == blocks.size() - 1);
        }
        return norm == null ? stream.sum(g) : stream.normalize(e, norm)[0];
    }

    @Override
    protected String exportPreLogits(OnnxExport e, String pixels) {
        // Token pooling reads the class token alone: the last block's MLP runs on it only.
        boolean tokenPool = attnPool == null && distToken == null && !"avg".equals(config.globalPool);
        return exportPooled(e, exportFeatures(e, pixels, tokenPool));
    }

    private String exportPooled(OnnxExport e, String x) {
        OnnxGraph g = e.graph();
        if (distToken != null) {
            return g.node(
                    "Div", new String[] {g.node("Add", new String[] {g.token(x, 0), g.token(x, 1)}), g.scalar(2f)});
        }
        if (attnPool != null) {
            x = attnPool.export(e, x);
        } else if ("avg".equals(config.globalPool)) {
            x = g.meanTokens(x, prefix);
        } else {
            x = g.token(x, 0);
        }
        return fcNorm == null ? x : fcNorm.export(g, x);
    }

    @Override
    protected String[] exportOutputs(OnnxExport e, String pixels) {
        if (distToken == null) {
            return super.exportOutputs(e, pixels);
        }
        OnnxGraph g = e.graph();
        String x = exportFeatures(e, pixels, false);
        String pre = exportPooled(e, x);
        if (headDist == null) {
            return new String[] {pre, pre};
        }
        String logits = g.node("Add", new String[] {exportHead(e, g.token(x, 0)), headDist.export(e, g.token(x, 1))});
        return new String[] {pre, g.node("Div", new String[] {logits, g.scalar(2f)})};
    }

    private NDArray positions(NDArray patches) {
        long expected = posEmbed.shape().get(1) - positionPrefix;
        long given = patches.getShape().get(1);
        if (given != expected) {
            throw new Vit4jException("input gives " + given + " patches but " + config.name + " is built for "
                    + config.gridHeight() + "×" + config.gridWidth() + " = " + expected + " (image " + config.height()
                    + "×" + config.width() + ")");
        }
        return posEmbed.array();
    }
}
