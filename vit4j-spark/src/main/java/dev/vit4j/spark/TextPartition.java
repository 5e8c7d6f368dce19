package dev.vit4j.spark;

import dev.vit4j.inference.ModelPipeline;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;

/** The executor side of {@link TextEmbedder}: a partition's texts in batches through the executor's shared model. */
final class TextPartition implements MapPartitionsFunction<Row, Row> {
    /** Everything a task needs, shipped with the closure. */
    record Settings(
            String model,
            String shippedModel,
            String engine,
            int threads,
            int inputIndex,
            int batchSize,
            boolean normalize,
            StructType schema)
            implements Serializable {}

    private final Settings s;

    TextPartition(Settings settings) {
        this.s = settings;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ModelPipeline pipeline = ExecutorModels.forTask(s.model(), s.shippedModel(), s.engine(), s.threads());
        pipeline.requireText();
        return new InBatches(rows, s.batchSize(), batch -> run(pipeline, batch));
    }

    private List<Row> run(ModelPipeline pipeline, List<Row> batch) {
        List<String> texts = new ArrayList<>(batch.size());
        for (Row row : batch) {
            if (!row.isNullAt(s.inputIndex())) {
                texts.add(row.getString(s.inputIndex()));
            }
        }
        Iterator<float[]> embeddings =
                pipeline.embedTexts(texts, s.batchSize(), s.normalize()).iterator();
        List<Row> out = new ArrayList<>(batch.size());
        for (Row row : batch) {
            Object[] values = new Object[row.length() + 1];
            for (int j = 0; j < row.length(); j++) {
                values[j] = row.get(j);
            }
            if (!row.isNullAt(s.inputIndex())) {
                values[row.length()] = PredictPartition.seq(embeddings.next());
            }
            out.add(new GenericRowWithSchema(values, s.schema()));
        }
        return out;
    }
}
