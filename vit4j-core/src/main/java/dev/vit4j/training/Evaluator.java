package dev.vit4j.training;

import dev.vit4j.data.BatchLoader;
import dev.vit4j.data.Dataset;
import dev.vit4j.inference.InferenceEngine;
import dev.vit4j.inference.ModelOutputs;
import java.util.function.LongConsumer;

/** Loss (cross-entropy, no smoothing), top-1, top-5 and, if asked, the confusion matrix, on any engine. */
public final class Evaluator {
    private Evaluator() {}

    public static Evaluation evaluate(InferenceEngine engine, BatchLoader loader, Dataset data, boolean confusion) {
        return evaluate(engine, loader, data, confusion, done -> {});
    }

    /** As above, telling {@code progress} how many examples are done after each batch. */
    public static Evaluation evaluate(
            InferenceEngine engine, BatchLoader loader, Dataset data, boolean confusion, LongConsumer progress) {
        int classes = data.classes().size();
        Metrics metrics = new Metrics(classes, confusion);
        loader.forEachInOrder(batch -> {
            var c = engine.config();
            ModelOutputs out =
                    engine.run(batch.inputs(), new long[] {batch.size(), c.inChans, c.height(), c.width()}, false);
            float[] flat = new float[batch.size() * classes];
            double loss = 0;
            for (int i = 0; i < batch.size(); i++) {
                float[] row = out.logits()[i];
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
