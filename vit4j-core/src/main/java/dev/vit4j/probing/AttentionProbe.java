package dev.vit4j.probing;

import dev.vit4j.data.BatchLoader;
import dev.vit4j.data.Dataset;
import dev.vit4j.image.RgbImage;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.weights.FloatTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** One batched forward pass that also records every attention tensor, split back into images. */
public final class AttentionProbe {
    private AttentionProbe() {}

    /** One image's view: the crop the model saw, its attention tensors (batch axis dropped), its logits. */
    public record ImageAttention(Path image, RgbImage input, Map<String, FloatTensor> attention, float[] logits) {}

    public static List<ImageAttention> run(
            LoadedModel model, dev.vit4j.inference.InferenceEngine engine, List<Path> images) {
        ModelPipeline pipeline = ModelPipeline.over(model, engine);
        List<ModelPipeline.Prepared> prepared = new ArrayList<>();
        for (Path image : images) {
            prepared.add(pipeline.prepare(image));
        }
        List<ModelPipeline.ImageOutputs> out = pipeline.run(prepared, true);
        List<ImageAttention> result = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            result.add(new ImageAttention(
                    images.get(i),
                    prepared.get(i).crop(),
                    out.get(i).attention(),
                    out.get(i).logits()));
        }
        return result;
    }

    /**
     * Every example of {@code data} through the model's eval preprocessing and the engine, in order and in
     * batches; {@code consumer} gets each batch with its images' attention tensors (batch axis dropped).
     */
    public static void forEach(
            ModelPipeline pipeline,
            Dataset data,
            int batchSize,
            Consumer<String> warnings,
            BiConsumer<BatchLoader.Batch, List<Map<String, FloatTensor>>> consumer) {
        try (BatchLoader loader = pipeline.examples(data, batchSize, 2, warnings)) {
            loader.forEachInOrder(batch -> consumer.accept(
                    batch,
                    pipeline.run(batch.inputs(), batch.size(), true).stream()
                            .map(ModelPipeline.ImageOutputs::attention)
                            .toList()));
        }
    }
}
