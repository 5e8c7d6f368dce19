package dev.vit4j.models;

import ai.djl.ndarray.NDArray;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Linear;
import dev.vit4j.nn.Module;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;
import dev.vit4j.onnx.Quantization;

/**
 * A model that maps an image batch (B × C × H × W) to pre-logits features (B × D) and logits (B × classes),
 * like timm's {@code forward_features} + {@code forward_head}.
 */
public abstract class VisionModel extends Module {
    protected final ModelConfig config;
    private Linear head;

    protected VisionModel(ModelConfig config) {
        this.config = config.validate();
    }

    /** Registers the classifier last, so parameter order follows timm's state dict. */
    protected final void addHead() {
        this.head = config.numClasses > 0 ? child("head", new Linear(config.embedDim, config.numClasses, true)) : null;
    }

    public final ModelConfig config() {
        return config;
    }

    /** The pooled, normalized features the head reads (timm's {@code forward_head(pre_logits=True)}). */
    public abstract NDArray forwardPreLogits(NDArray images, ForwardContext ctx);

    /** Logits from pre-logits; the identity for a model without head ({@code num_classes = 0}). */
    protected final NDArray forwardHead(NDArray preLogits) {
        return head == null ? preLogits : head.forward(preLogits);
    }

    /** What one forward pass gives: timm's {@code forward_head(x, pre_logits=True)} and {@code forward_head(x)}. */
    public record Outputs(NDArray preLogits, NDArray logits) {}

    /**
     * Pre-logits, and the head applied to them; a model whose logits are not that (distilled DeiT averages two heads
     * over two tokens) overrides it, and {@link #exportOutputs} with it.
     */
    public Outputs forwardOutputs(NDArray images, ForwardContext ctx) {
        NDArray pre = forwardPreLogits(images, ctx);
        return new Outputs(pre, forwardHead(pre));
    }

    public final NDArray forward(NDArray images, ForwardContext ctx) {
        return forwardOutputs(images, ctx).logits();
    }

    /** The same computation as {@link #forwardPreLogits} as ONNX nodes, from pixel_values to pre-logits. */
    protected abstract String exportPreLogits(OnnxExport e, String pixels);

    /** {@link #forwardOutputs} as ONNX nodes: {pre-logits, logits}. */
    protected String[] exportOutputs(OnnxExport e, String pixels) {
        String pre = exportPreLogits(e, pixels);
        return new String[] {pre, exportHead(e, pre)};
    }

    /** The head as ONNX nodes; the identity without one. */
    protected final String exportHead(OnnxExport e, String preLogits) {
        return head == null ? preLogits : head.export(e, preLogits);
    }

    /**
     * The model as an ONNX graph: input {@code pixel_values} (batch × C × H × W, dynamic batch), outputs
     * {@code logits} and {@code pre_logits}, and with {@code withAttention} every attention tensor under the
     * names {@link dev.vit4j.nn.AttentionRecorder} uses.
     */
    public final byte[] toOnnx(boolean withAttention) {
        return toOnnx(withAttention, false);
    }

    /**
     * As {@link #toOnnx(boolean)}; with {@code onnxRuntimeKernels} the graph uses ONNX Runtime's fused
     * {@code com.microsoft} operators (attention, residual add + LayerNorm) and runs on ONNX Runtime only.
     */
    public final byte[] toOnnx(boolean withAttention, boolean onnxRuntimeKernels) {
        return toOnnx(withAttention, onnxRuntimeKernels, Quantization.NONE);
    }

    /** As {@link #toOnnx(boolean, boolean)}, with the weights of every Linear stored as {@code quantization} says. */
    public final byte[] toOnnx(boolean withAttention, boolean onnxRuntimeKernels, Quantization quantization) {
        // The graph holds the weights as tensor protos, then the model's bytes (OnnxGraph.toBytes), beside each
        // parameter's values while it is read out of the engine: under three copies at the peak.
        try (MemoryBudget.Reservation memory =
                MemoryBudget.heap().reserve(3 * Float.BYTES * parameterCount(), "the ONNX export of " + config.name)) {
            return buildOnnx(withAttention, onnxRuntimeKernels, quantization);
        }
    }

    private byte[] buildOnnx(boolean withAttention, boolean onnxRuntimeKernels, Quantization quantization) {
        OnnxGraph g = new OnnxGraph(config.name == null ? "vit4j" : config.name);
        OnnxExport e = new OnnxExport(g, withAttention, onnxRuntimeKernels, quantization);
        String x = g.input("pixel_values", OnnxGraph.BATCH, config.inChans, config.height(), config.width());
        String[] outputs = exportOutputs(e, x);
        String pre = outputs[0];
        String logits = outputs[1];
        g.output(logits, "logits", OnnxGraph.BATCH, outputSize());
        g.output(pre, "pre_logits", OnnxGraph.BATCH, config.embedDim);
        e.attentionOutputs().forEach((name, tensor) -> g.outputUnshaped(tensor, name));
        return g.toBytes("vit4j");
    }

    public final int outputSize() {
        return head == null ? config.embedDim : config.numClasses;
    }
}
