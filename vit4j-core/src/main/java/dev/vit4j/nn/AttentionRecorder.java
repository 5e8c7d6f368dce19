package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects attention weights during the same forward pass that computes the logits (no second pass).
 * Keys follow the fixtures: {@code attention.blocks.3}, {@code attention_softmax.blocks.3},
 * {@code attention.blocks_token_only.1}; the recorded arrays are moved into the recorder's own manager so
 * they outlive the forward pass's scope.
 */
public final class AttentionRecorder implements AutoCloseable {
    /** The weights that multiply V (for talking heads: after {@code proj_w}). */
    public static final String ATTENTION = "attention";
    /** Talking heads only: the softmax before {@code proj_w}, the only rows that are distributions. */
    public static final String ATTENTION_SOFTMAX = "attention_softmax";

    private final NDManager manager;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();
    private String suffix = "";

    public AttentionRecorder(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /**
     * Records {@code weights} (batch × heads × queries × keys) of the attention layer at {@code layerPath};
     * the key names the block that owns the layer ({@code blocks.3.attn} → {@code blocks.3}); a layer used on
     * its own is recorded under {@code kind} alone.
     */
    public void record(String kind, String layerPath, NDArray weights) {
        keep(key(kind, layerPath) + suffix, weights);
    }

    /** Records under {@code kind.name} (plus the suffix) whatever the layer's path: for layers used repeatedly. */
    public void recordAs(String kind, String name, NDArray weights) {
        keep(kind + "." + name + suffix, weights);
    }

    /**
     * Appends {@code suffix} to every key recorded from now on (the Perceiver marks its iterations with
     * {@code .iteration_K}, since its shared layers run more than once per pass); "" to stop.
     */
    public void suffix(String suffix) {
        this.suffix = suffix;
    }

    private void keep(String key, NDArray weights) {
        NDArray kept = weights.duplicate();
        NDScope.unregister(kept);
        kept.attach(manager);
        NDArray previous = tensors.put(key, kept);
        if (previous != null) {
            previous.close();
        }
    }

    /** {@code kind.<owning block>}, or {@code kind} alone for a layer used on its own. */
    public static String key(String kind, String layerPath) {
        return dev.vit4j.onnx.OnnxExport.attentionKey(kind, layerPath);
    }

    public Map<String, NDArray> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    @Override
    public void close() {
        manager.close();
        tensors.clear();
    }
}
