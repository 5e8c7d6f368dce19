package dev.vit4j.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.models.TextConfig;
import dev.vit4j.models.TextModel;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Initializer;
import dev.vit4j.nn.LayerNorm;
import dev.vit4j.nn.Linear;
import dev.vit4j.nn.MlpActivation;
import dev.vit4j.nn.Parameter;
import dev.vit4j.nn.PendingResidual;
import dev.vit4j.nn.Sequence;
import dev.vit4j.nn.TransformerBlock;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.List;

/**
 * open_clip's {@code TextTransformer}, CLIP's and SigLIP's text tower: token and position embeddings, pre-norm blocks
 * (causal for CLIP), {@code ln_final}, the pooled token ({@code text_global_pool}: argmax for CLIP, last for SigLIP),
 * the projection into the joint space. Parameters keep open_clip's names except the blocks, which are timm's
 * ({@code blocks.i.attn.qkv}; {@link TextCheckpoints} renames {@code transformer.resblocks.i.attn.in_proj_weight} and
 * the rest).
 */
final class TextTransformer extends TextModel {
    private final Parameter tokenEmbedding;
    private final Parameter positionalEmbedding;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNorm lnFinal;
    private final Linear projection;
    private final Parameter logitScale;
    private final Parameter logitBias;

    TextTransformer(TextConfig c) {
        super(c);
        int width = c.width;
        this.tokenEmbedding = child("token_embedding", new Embedding(c.vocabSize, width)).weight;
        this.positionalEmbedding = parameterWithoutDecay(
                "positional_embedding", new Shape(c.contextLength, width), Initializer.normal(0.01));
        Sequence list = child("blocks", new Sequence());
        MlpActivation act = MlpActivation.named(c.act);
        for (int i = 0; i < c.layers; i++) {
            blocks.add(list.add(new TransformerBlock(
                    width,
                    c.heads,
                    (int) (width * c.mlpRatio),
                    true,
                    null,
                    c.layerNormEps,
                    0f,
                    0f,
                    0f,
                    act,
                    c.causal)));
        }
        this.lnFinal = child("ln_final", new LayerNorm(width, c.layerNormEps));
        this.projection = child(
                "text_projection",
                new Linear(width, c.embedDim, c.projBias, Initializer.normal(Math.pow(width, -0.5))));
        // open_clip's initial values: log(1/0.07) and, for SigLIP, log(10) and -10
        this.logitScale = parameterWithoutDecay(
                "logit_scale", new Shape(), Initializer.constant((float) Math.log(c.logitBias ? 10 : 1 / 0.07)));
        this.logitBias =
                c.logitBias ? parameterWithoutDecay("logit_bias", new Shape(), Initializer.constant(-10f)) : null;
    }

    /** A lookup table {@code weight} (vocabulary × width), as {@code nn.Embedding}. */
    private static final class Embedding extends dev.vit4j.nn.Module {
        final Parameter weight;

        Embedding(int vocab, int width) {
            this.weight = parameterWithoutDecay("weight", new Shape(vocab, width), Initializer.normal(0.02));
        }
    }

    @Override
    public NDArray forward(NDArray ids, ForwardContext ctx) {
        long b = ids.getShape().get(0);
        long n = ids.getShape().get(1);
        int width = config.width;
        NDArray x =
                tokenEmbedding.array().get(new NDIndex("{}", ids.reshape(-1))).reshape(b, n, width);
        x = x.add(positionalEmbedding.array().get("0:" + n));
        for (TransformerBlock block : blocks) {
            x = block.forward(x, ctx);
        }
        // the final LayerNorm is per token: it commutes with picking one
        NDArray pooled = x.reshape(b * n, width).get(new NDIndex("{}", flatPoolIndex(ids, b, n)));
        return projection.forward(lnFinal.forward(pooled));
    }

    /** Row i's pooled position, as an index into the B·N tokens. */
    private NDArray flatPoolIndex(NDArray ids, long b, long n) {
        NDArray rowStarts = ids.getManager().arange(0L, b * n, n, DataType.INT64);
        NDArray position =
                switch (config.poolType) {
                    case "argmax" -> ids.argMax(1);
                    case "eos" -> ids.eq(config.eosId)
                            .toType(DataType.INT32, false)
                            .argMax(1);
                    case "first" -> ids.getManager().zeros(new Shape(b), DataType.INT64);
                    default -> ids.getManager().full(new Shape(b), n - 1, DataType.INT64);
                };
        return rowStarts.add(position.toType(DataType.INT64, false));
    }

    @Override
    public int tokensNeeded(int[] ids) {
        if (!config.causal) {
            return ids.length;
        }
        int at =
                switch (config.poolType) {
                    case "argmax" -> argMax(ids);
                    case "eos" -> firstOf(ids, config.eosId);
                    case "first" -> 0;
                    default -> ids.length - 1;
                };
        return at + 1;
    }

    /** The first position of the largest id, as argmax takes it. */
    private static int argMax(int[] ids) {
        int at = 0;
        for (int i = 1; i < ids.length; i++) {
            if (ids[i] > ids[at]) {
                at = i;
            }
        }
        return at;
    }

    /** The first position of {@code id}; 0 without one (argmax over all-false). */
    private static int firstOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return 0;
    }

    @Override
    public float logitScale() {
        return (float) Math.exp(logitScale.array().getFloat());
    }

    @Override
    public float logitBias() {
        return logitBias == null ? 0f : logitBias.array().getFloat();
    }

    @Override
    protected String exportEmbeddings(OnnxExport e, String ids) {
        OnnxGraph g = e.graph();
        int width = config.width;
        String table = g.initializer(
                "token_embedding.weight",
                tokenEmbedding.shape().getShape(),
                tokenEmbedding.array().toFloatArray());
        String x = g.node("Gather", new String[] {table, ids}, OnnxGraph.Attr.of("axis", 0L));
        String positions = g.initializer(
                "positional_embedding",
                positionalEmbedding.shape().getShape(),
                positionalEmbedding.array().toFloatArray());
        // as many positions as the ids have tokens (fewer than the context when tokensNeeded trims a batch)
        String tokens = g.node("Slice", new String[] {g.node("Shape", new String[] {ids}), g.ints(1), g.ints(2)});
        positions = g.node("Slice", new String[] {positions, g.ints(0), tokens, g.ints(0)});
        x = g.node("Add", new String[] {x, positions});
        PendingResidual stream = PendingResidual.of(x);
        for (TransformerBlock block : blocks) {
            stream = block.export(e, stream, width, false);
        }
        String pooled = exportPool(g, stream.sum(g), ids, tokens);
        return projection.export(e, lnFinal.export(g, pooled));
    }

    /** B × N × D → B × D at the pooled position (a one-hot row times the tokens for argmax and eos). */
    private String exportPool(OnnxGraph g, String x, String ids, String tokens) {
        String position;
        switch (config.poolType) {
            case "first" -> {
                return g.token(x, 0);
            }
            case "last" -> {
                return g.token(x, config.contextLength - 1);
            }
            case "eos" -> {
                String isEos = g.node("Equal", new String[] {ids, g.ints(config.eosId)});
                String asInt = g.node("Cast", new String[] {isEos}, OnnxGraph.Attr.of("to", 6L));
                position = g.node(
                        "ArgMax",
                        new String[] {asInt},
                        OnnxGraph.Attr.of("axis", 1L),
                        OnnxGraph.Attr.of("keepdims", 1L));
            }
            default -> position = g.node(
                    "ArgMax", new String[] {ids}, OnnxGraph.Attr.of("axis", 1L), OnnxGraph.Attr.of("keepdims", 1L));
        }
        String oneHot =
                g.node("OneHot", new String[] {position, tokens, g.floats(0f, 1f)}, OnnxGraph.Attr.of("axis", -1L));
        String picked = g.node("MatMul", new String[] {oneHot, x});
        return g.node("Reshape", new String[] {picked, g.ints(0, config.width)});
    }
}
