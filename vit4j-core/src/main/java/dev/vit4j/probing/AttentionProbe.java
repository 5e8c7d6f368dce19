package dev.vit4j.probing;

import ai.djl.ndarray.types.Shape;
import dev.vit4j.image.EvalTransform;
import dev.vit4j.image.ImageDecoder;
import dev.vit4j.image.RgbImage;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.ModelRunner;
import dev.vit4j.models.DataConfig;
import dev.vit4j.weights.FloatTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One batched forward pass that also records every attention tensor, split back into images. */
public final class AttentionProbe {
    private AttentionProbe() {
    }

    /** One image's view: the crop the model saw, its attention tensors (batch axis dropped), its logits. */
    public record ImageAttention(Path image, RgbImage input, Map<String, FloatTensor> attention, float[] logits) {
    }

    public static List<ImageAttention> run(LoadedModel model, List<Path> images) {
        DataConfig data = model.model().config().resolvedDataConfig();
        EvalTransform transform = new EvalTransform(data);
        int per = data.channels() * data.height() * data.width();
        float[] batch = new float[per * images.size()];
        List<RgbImage> crops = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            RgbImage crop = transform.resizeAndCrop(ImageDecoder.read(images.get(i)));
            crops.add(crop);
            System.arraycopy(transform.normalize(crop), 0, batch, i * per, per);
        }
        ModelOutputs out = ModelRunner.run(model.model(), model.manager(), batch,
                new Shape(images.size(), data.channels(), data.height(), data.width()), true);
        List<ImageAttention> result = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            Map<String, FloatTensor> mine = new LinkedHashMap<>();
            for (Map.Entry<String, FloatTensor> e : out.attention().entrySet()) {
                mine.put(e.getKey(), e.getValue().select(i));
            }
            result.add(new ImageAttention(images.get(i), crops.get(i), mine, out.logits()[i]));
        }
        return result;
    }
}
