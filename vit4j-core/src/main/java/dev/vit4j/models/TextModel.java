package dev.vit4j.models;

import ai.djl.ndarray.NDArray;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Module;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;
import dev.vit4j.onnx.Quantization;

/**
 * A text tower: token ids (B × context) to text embeddings in the joint image–text space (B × embed_dim), as
 * open_clip's {@code encode_text} (not normalized). It also holds the pair's learned scoring, {@code logit_scale} and
 * (SigLIP) {@code logit_bias}.
 */
public abstract class TextModel extends Module {
    protected final TextConfig config;

    protected TextModel(TextConfig config) {
        this.config = config;
    }

    public final TextConfig config() {
        return config;
    }

    /** {@code ids} (int64, B × context) to B × embed_dim; {@code ids} also picks the pooled token ("argmax"). */
    public abstract NDArray forward(NDArray ids, ForwardContext ctx);

    /** exp of the learned {@code logit_scale}: the temperature cosine similarities are multiplied by. */
    public abstract float logitScale();

    /** The learned {@code logit_bias} (SigLIP), 0 without one. */
    public abstract float logitBias();

    /**
     * How many of {@code ids}' leading tokens decide the embedding: all of them, unless the tower is causal and pools
     * at the end token (CLIP), where nothing after it changes the result and the tokens after the longest text of a
     * batch need not be run (open_clip runs all 77).
     */
    public int tokensNeeded(int[] ids) {
        return ids.length;
    }

    /** The graph from input_ids to the embedding, as ONNX nodes. */
    protected abstract String exportEmbeddings(OnnxExport e, String ids);

    /**
     * The tower as an ONNX graph: input {@code input_ids} (int64, batch × tokens: the context, or fewer where {@link
     * #tokensNeeded} says), output {@code text_embeds}
     * (batch × embed_dim); with {@code onnxRuntimeKernels} ONNX Runtime's fused operators.
     */
    public final byte[] toOnnx(boolean onnxRuntimeKernels, Quantization quantization) {
        // as VisionModel.toOnnx: the weights' tensor protos and the model's bytes, under three copies at the peak
        try (MemoryBudget.Reservation memory =
                MemoryBudget.heap().reserve(3 * Float.BYTES * parameterCount(), "the ONNX export of a text tower")) {
            OnnxGraph g = new OnnxGraph("vit4j-text");
            OnnxExport e = new OnnxExport(g, false, onnxRuntimeKernels, quantization);
            String ids = g.inputInt64("input_ids", OnnxGraph.BATCH, OnnxGraph.SEQUENCE);
            g.output(exportEmbeddings(e, ids), "text_embeds", OnnxGraph.BATCH, config.embedDim);
            return g.toBytes("vit4j");
        }
    }
}
