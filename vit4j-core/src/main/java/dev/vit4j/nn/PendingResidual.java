package dev.vit4j.nn;

import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;

/**
 * ONNX export of a residual stream whose last branch is not added yet: {@code stream + branch + bias}.
 * Keeping the sum pending lets the LayerNorm that follows take it whole: on ONNX Runtime one
 * {@code SkipLayerNormalization} adds, biases and normalizes in a single pass over memory and hands back
 * the sum for the next residual, where the portable graph needs two Adds and a LayerNormalization.
 */
public record PendingResidual(String stream, String branch, String bias) {

    /** A stream with nothing pending. */
    public static PendingResidual of(String stream) {
        return new PendingResidual(stream, null, null);
    }

    /** The stream with the branch added (without a stream: the biased branch). */
    public String sum(OnnxGraph g) {
        if (branch == null) {
            return stream;
        }
        String biased = bias == null ? branch : g.node("Add", new String[] {branch, bias});
        return stream == null ? biased : g.node("Add", new String[] {stream, biased});
    }

    /** Token 0 alone (axis 1 of B × N × D, kept as B × 1 × D) of the stream and of the pending branch. */
    public PendingResidual firstToken(OnnxGraph g) {
        return new PendingResidual(g.firstToken(stream), branch == null ? null : g.firstToken(branch), bias);
    }

    /** {@code norm(sum)} and the sum, as {normalized, sum}. */
    public String[] normalize(OnnxExport e, LayerNorm norm) {
        OnnxGraph g = e.graph();
        if (branch != null && e.onnxRuntimeKernels()) {
            return norm.exportSkip(g, branch, stream, bias);
        }
        String sum = sum(g);
        return new String[] {norm.export(g, sum), sum};
    }
}
