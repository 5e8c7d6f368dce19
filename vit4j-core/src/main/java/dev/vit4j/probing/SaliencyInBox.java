package dev.vit4j.probing;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.Dataset;
import dev.vit4j.data.Example;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.models.ModelConfig;

/**
 * How often the saliency map points at the object: the share of examples whose saliency peak (after
 * bicubic upsampling to the input size) falls inside the example's bounding box. Needs a dataset whose
 * examples know their box (the built-in {@code shapes}).
 */
public final class SaliencyInBox {
    private SaliencyInBox() {}

    public static double score(ModelPipeline pipeline, Dataset data, String block, int batchSize) {
        ModelConfig c = pipeline.config();
        String b = block != null ? block : c.attentionLayout().defaultBlocks().get(0);
        int[] hits = {0};
        int[] total = {0};
        AttentionProbe.forEach(pipeline, data, batchSize, msg -> {}, (batch, perImage) -> {
            for (int i = 0; i < batch.size(); i++) {
                Example.Box box = batch.boxes()[i];
                if (box == null) {
                    throw new Vit4jException(data.describe() + " has no object boxes to score saliency against");
                }
                float[] s = AttentionMaps.saliency(perImage.get(i), b, c, c.height(), c.width());
                int peak = 0;
                for (int p = 1; p < s.length; p++) {
                    if (s[p] > s[peak]) {
                        peak = p;
                    }
                }
                // Box coordinates are in the dataset's pixels; the map is at the model's input size.
                double sx = (double) data.width() / c.width();
                double sy = (double) data.height() / c.height();
                if (box.contains(((peak % c.width()) + 0.5) * sx, ((peak / c.width()) + 0.5) * sy)) {
                    hits[0]++;
                }
                total[0]++;
            }
        });
        return total[0] == 0 ? Double.NaN : (double) hits[0] / total[0];
    }
}
