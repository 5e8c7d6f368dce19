package dev.vit4j.models.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.nn.AttentionRecorder;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Heads;
import dev.vit4j.nn.Initializer;
import dev.vit4j.nn.LayerNorm;
import dev.vit4j.nn.Linear;
import dev.vit4j.nn.Mlp;
import dev.vit4j.nn.MlpActivation;
import dev.vit4j.nn.Module;
import dev.vit4j.nn.Parameter;
import dev.vit4j.nn.Scalars;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/**
 * Multihead attention pooling (MAP, SigLIP's and big_vision's head; timm's {@code AttentionPoolLatent}): one learned
 * latent query reads every token (keys and values from one fused {@code kv} projection), an output projection, then
 * a pre-norm MLP residual on the pooled token. Records the latent's attention, B × heads × 1 × tokens, as
 * {@code attention.attn_pool}.
 */
final class AttentionPoolLatent extends Module {
    static final String NAME = "attn_pool";

    private final int heads;
    private final int dim;
    private final float scale;
    private final Parameter latent;
    private final Linear q;
    private final Linear kv;
    private final Linear proj;
    private final LayerNorm norm;
    private final Mlp mlp;

    AttentionPoolLatent(int dim, int heads, int mlpHidden, boolean qkvBias, double eps, MlpActivation blocks) {
        this.heads = heads;
        this.dim = dim;
        this.scale = (float) Math.pow(dim / heads, -0.5);
        this.latent = parameter("latent", new Shape(1, 1, dim), Initializer.truncatedNormal(Math.pow(dim, -0.5)));
        this.q = child("q", new Linear(dim, dim, qkvBias));
        this.kv = child("kv", new Linear(dim, 2 * dim, qkvBias));
        this.proj = child("proj", new Linear(dim, dim, true));
        this.norm = child("norm", new LayerNorm(dim, eps));
        // timm 0.9.16's AttentionPoolLatent builds its MLP with the default GELU whatever the blocks use; transformers'
        // SigLIP pooling head (SiglipMultiheadAttentionPoolingHead) uses its blocks' tanh GELU.
        this.mlp = child(
                "mlp",
                new Mlp(
                        dim,
                        mlpHidden,
                        0f,
                        blocks == MlpActivation.GELU_TANH ? MlpActivation.GELU_TANH : MlpActivation.GELU));
    }

    /** B × N × D → B × D. */
    NDArray forward(NDArray x, ForwardContext ctx) {
        long b = x.getShape().get(0);
        NDArray query = Scalars.times(Heads.split(q.forward(latent.array().broadcast(b, 1, dim)), heads), scale);
        NDArray keysValues = kv.forward(x);
        NDArray key = Heads.split(keysValues.get(":, :, :" + dim), heads);
        NDArray value = Heads.split(keysValues.get(":, :, " + dim + ":"), heads);
        NDArray attn = Heads.scores(query, key).softmax(-1);
        if (ctx.recorder() != null) {
            ctx.recorder().recordAs(AttentionRecorder.ATTENTION, NAME, attn);
        }
        NDArray pooled = proj.forward(Heads.merge(attn.matMul(value)));
        pooled = pooled.add(mlp.forward(norm.forward(pooled), ctx));
        return pooled.get(":, 0, :");
    }

    String export(OnnxExport e, String x) {
        OnnxGraph g = e.graph();
        String query = g.node("Mul", new String[] {
            Heads.split(
                    g,
                    q.exportScoreProjection(
                            e,
                            g.expandToBatch(
                                    g.initializer(
                                            path() + ".latent",
                                            latent.shape().getShape(),
                                            latent.array().toFloatArray()),
                                    x,
                                    1,
                                    dim)),
                    heads,
                    dim / heads),
            g.scalar(scale)
        });
        String[] kvParts = g.nodeOutputs(
                "Split",
                new String[] {kv.exportScoreProjection(e, x), g.ints(dim, dim)},
                2,
                OnnxGraph.Attr.of("axis", -1L));
        String key = Heads.split(g, kvParts[0], heads, dim / heads);
        String value = Heads.split(g, kvParts[1], heads, dim / heads);
        String attn = g.node("Softmax", new String[] {Heads.scores(g, query, key)}, OnnxGraph.Attr.of("axis", -1L));
        e.attentionAs(AttentionRecorder.ATTENTION, NAME, attn);
        String pooled = proj.export(e, Heads.merge(g, g.node("MatMul", new String[] {attn, value}), dim));
        pooled = g.node("Add", new String[] {pooled, mlp.export(e, norm.export(g, pooled))});
        return g.token(pooled, 0);
    }
}
