package dev.vit4j.models.cait;

import ai.djl.ndarray.NDArray;
import dev.vit4j.nn.CrossAttention;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.onnx.OnnxExport;

/**
 * CaiT's class attention: cross-attention whose one query is the class token; keys and values come from
 * the class token and all patches ({@code x} is [cls, patches]). Output is the updated class token,
 * B × 1 × C. Records {@code attention.<block>} of shape B × H × 1 × (1 + patches).
 */
public final class ClassAttention extends CrossAttention {

    public ClassAttention(int dim, int heads, boolean qkvBias, float attnDrop, float projDrop) {
        super(dim, heads, qkvBias, attnDrop, projDrop);
    }

    public NDArray forward(NDArray x, ForwardContext ctx) {
        return forward(x.get(":, 0:1, :"), x, null, ctx);
    }

    public String export(OnnxExport e, String x, long dim) {
        return export(e, e.graph().firstToken(x), x, null, dim);
    }
}
