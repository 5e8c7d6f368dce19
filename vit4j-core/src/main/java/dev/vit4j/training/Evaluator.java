package dev.vit4j.training;

import dev.vit4j.data.BatchLoader;
import dev.vit4j.data.Dataset;
import dev.vit4j.inference.ModelPipeline;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Loss (cross-entropy, no smoothing), top-1, top-5 and, if asked, the confusion matrix, through a model's pipeline on
 * any engine.
 */
public final class Evaluator {
    private Evaluator() {}

    /** {@code loader}: the dataset's batches as {@link ModelPipeline#examples} makes them. */
    public static Evaluation evaluate(ModelPipeline pipeline, BatchLoader loader, Dataset data, boolean confusion) {
        return evaluate(pipeline, loader, data, confusion, done -> {});
    }

    /** As above, telling {@code progress} how many examples are done after each batch. */
    public static Evaluation evaluate(
            ModelPipeline pipeline, BatchLoader loader, Dataset data, boolean confusion, LongConsumer progress) {
        int classes = data.classes().size();
        Metrics metrics = new Metrics(classes, confusion);
        loader.forEachInOrder(batch -> {
            List<ModelPipeline.ImageOutputs> out = pipeline.run(batch.inputs(), batch.size(), false);
            float[] flat = new float[batch.size() * classes];
            double loss = 0;
            for (int i = 0; i < batch.size(); i++) {
                float[] row = out.get(i).logits();
                System.arraycopy(row, 0, flat, i * classes, classes);
                loss += ExampleScore.of(row, batch.labels()[i]).loss();
            }
            metrics.add(flat, batch.labels(), loss / batch.size());
            progress.accept(metrics.count());
        });
        return new Evaluation(
                metrics.loss(),
                metrics.top1(),
                metrics.top5(),
                (int) metrics.count(),
                data.classes(),
                metrics.confusion());
    }
}
