package dev.vit4j.serve;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vit4j.inference.Prediction;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.AttentionMaps;
import dev.vit4j.probing.AttentionRollout;
import dev.vit4j.probing.ClassTokenAttention;
import dev.vit4j.viz.AttentionFigures;
import dev.vit4j.viz.Colormap;
import dev.vit4j.viz.Png;
import java.util.ArrayList;
import java.util.List;

/**
 * The answer of {@code /attention}: what {@code vit4j attention} draws, as numbers a page can draw. Maps are over
 * the patch grid, row-major: each head's class-token attention per selected block (CaiT: its class-attention
 * blocks; ViT: the last block), the saliency (mean over heads, min-max scaled) of the first selected block, and for
 * ViT-style models the attention rollout.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AttentionView(
        String model,
        int[] grid,
        int[] input,
        List<Prediction> predictions,
        List<BlockMaps> blocks,
        String saliencyBlock,
        float[] saliency,
        float[] rollout) {

    /**
     * One block: {@code heads} (heads × grid; raw attention weights) or, for a Perceiver's cross-attention,
     * {@code null} with {@code mean} over heads and latents; {@code mean} is min-max scaled.
     */
    public record BlockMaps(String block, float[][] heads, float[] mean) {}

    static final double OVERLAY_ALPHA = 0.6;

    static AttentionView of(ServedModel model, ServedModel.Result r, List<String> requested, int k) {
        ModelConfig c = model.config();
        List<String> names =
                requested == null || requested.isEmpty() ? c.attentionLayout().defaultBlocks() : requested;
        List<BlockMaps> blocks = new ArrayList<>();
        for (String block : names) {
            float[][] heads = block.startsWith("cross_attention.")
                    ? null
                    : ClassTokenAttention.perHead(
                            AttentionMaps.tensor(r.attention(), block), c.gridHeight(), c.gridWidth());
            blocks.add(new BlockMaps(
                    block,
                    heads,
                    heads == null
                            ? AttentionMaps.gridSaliency(r.attention(), block, c)
                            : ClassTokenAttention.saliency(heads)));
        }
        float[] rollout = null;
        if (c.attentionLayout().rollout()) {
            rollout = ClassTokenAttention.minMax(
                    AttentionMaps.rolloutGrid(r.attention(), c, AttentionRollout.HeadFusion.MEAN, 0.9));
        }
        List<Prediction> top = !c.hasClassifier() ? List.of() : model.topK(r.logits(), k);
        return new AttentionView(
                model.name(),
                new int[] {c.gridHeight(), c.gridWidth()},
                new int[] {r.crop().height(), r.crop().width()},
                top,
                blocks,
                names.get(0),
                blocks.get(0).mean(),
                rollout);
    }

    /** The saliency of {@code block} (default: the model's first) over the image the model saw, as a PNG. */
    static byte[] overlayPng(ServedModel model, ServedModel.Result r, List<String> requested) {
        ModelConfig c = model.config();
        String block = requested == null || requested.isEmpty()
                ? c.attentionLayout().defaultBlocks().get(0)
                : requested.get(0);
        float[] map = AttentionMaps.saliency(
                r.attention(), block, c, r.crop().height(), r.crop().width());
        return Png.encode(AttentionFigures.overlay(r.crop(), map, Colormap.named("cividis"), OVERLAY_ALPHA));
    }
}
