package dev.vit4j.onnx;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An export in progress: the graph, whether attention tensors become extra graph outputs, whether the
 * graph may use ONNX Runtime's fused {@code com.microsoft} kernels (then it runs on ONNX Runtime only), and
 * how the weights of matrix products are stored.
 */
public final class OnnxExport {
    private final OnnxGraph graph;
    private final boolean withAttention;
    private final boolean onnxRuntimeKernels;
    private final Quantization quantization;
    private final Map<String, String> attention = new LinkedHashMap<>();
    private String suffix = "";

    public OnnxExport(OnnxGraph graph, boolean withAttention, boolean onnxRuntimeKernels, Quantization quantization) {
        this.graph = graph;
        this.withAttention = withAttention;
        this.onnxRuntimeKernels = onnxRuntimeKernels;
        this.quantization = quantization;
    }

    public Quantization quantization() {
        return quantization;
    }

    public boolean onnxRuntimeKernels() {
        return onnxRuntimeKernels;
    }

    public OnnxGraph graph() {
        return graph;
    }

    public boolean withAttention() {
        return withAttention;
    }

    /**
     * The key of an attention tensor recorded by the layer at {@code layerPath} ("blocks.3.attn"): {@code kind} and
     * the layer's owner ("attention.blocks.3"). The PyTorch path's recorder and the export name them alike.
     */
    public static String attentionKey(String kind, String layerPath) {
        int dot = layerPath.lastIndexOf('.');
        String owner = dot < 0 ? layerPath : layerPath.substring(0, dot);
        return owner.isEmpty() ? kind : kind + "." + owner;
    }

    /** Names a tensor as attention output {@code kind.<block>} ({@link #attentionKey}). */
    public void attention(String kind, String layerPath, String tensor) {
        if (withAttention) {
            attention.put(attentionKey(kind, layerPath) + suffix, tensor);
        }
    }

    /** As the recorder's {@code recordAs}: {@code kind.name} plus the suffix. */
    public void attentionAs(String kind, String name, String tensor) {
        if (withAttention) {
            attention.put(kind + "." + name + suffix, tensor);
        }
    }

    /** As the recorder's {@code suffix}. */
    public void suffix(String suffix) {
        this.suffix = suffix;
    }

    public Map<String, String> attentionOutputs() {
        return attention;
    }
}
