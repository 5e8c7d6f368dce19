package dev.vit4j.models.perceiver;

import ai.djl.ndarray.NDArray;
import dev.vit4j.nn.CrossAttention;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.LayerNorm;
import dev.vit4j.nn.Mlp;
import dev.vit4j.nn.Module;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/**
 * The Perceiver's cross-attention module: layer norms on the latent and the data arrays, {@link CrossAttention}
 * from the latents to the data, residual; layer norm, FFN, residual.
 * <p>Departure from Keras' Perceiver example ("Image classification with Perceiver"): it adds both residuals to the <em>normalized</em> arrays (Keras
 * re-binds {@code latent_array} to its LayerNorm output), so the un-normalized latent never passes through;
 * we keep the paper's pre-norm residuals (x + f(norm(x))), as in every other block of this library.
 */
public final class CrossAttentionBlock extends Module {
    private final LayerNorm normLatent;
    private final LayerNorm normData;
    private final CrossAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;

    public CrossAttentionBlock(int dim, int heads, int mlpHidden, double eps, float dropRate, float attnDropRate) {
        this.normLatent = child("norm_latent", new LayerNorm(dim, eps));
        this.normData = child("norm_data", new LayerNorm(dim, eps));
        this.attn = child("attn", new CrossAttention(dim, heads, attnDropRate, dropRate));
        this.norm2 = child("norm2", new LayerNorm(dim, eps));
        this.mlp = child("mlp", new Mlp(dim, mlpHidden, dropRate));
    }

    /** The normalized data's keys and values ({@link CrossAttention#keysValues}): one per weight set, not per iteration. */
    public NDArray[] keysValues(NDArray data) {
        return attn.keysValues(normData.forward(data));
    }

    public NDArray forward(NDArray latent, NDArray[] keysValues, String recordAs, ForwardContext ctx) {
        NDArray x = latent.add(attn.forward(normLatent.forward(latent), keysValues, recordAs, ctx));
        return x.add(mlp.forward(norm2.forward(x), ctx));
    }

    public String[] exportKeysValues(OnnxExport e, String data, long dim) {
        return attn.exportKeysValues(e, normData.export(e.graph(), data), dim);
    }

    public String export(OnnxExport e, String latent, String[] keysValues, String recordAs, long dim) {
        OnnxGraph g = e.graph();
        String a = attn.export(e, normLatent.export(g, latent), keysValues, recordAs, dim);
        String x = g.node("Add", new String[] {latent, a});
        return g.node("Add", new String[] {x, mlp.export(e, norm2.export(g, x))});
    }
}
