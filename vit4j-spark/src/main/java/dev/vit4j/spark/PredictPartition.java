package dev.vit4j.spark;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.AttentionMaps;
import dev.vit4j.probing.MeanAttentionDistance;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;

/**
 * The executor side of {@link VitPredictor}: a partition's rows in batches through the executor's shared model. Each
 * image is decoded by vit4j's PIL-exact decoder; one that cannot be read gives its row an error and nulls (or fails
 * the task with {@code failOnError}), and the rest of its batch runs.
 */
final class PredictPartition implements MapPartitionsFunction<Row, Row> {
    /** Everything a task needs, shipped with the closure. */
    record Settings(
            String model,
            String shippedModel,
            String engine,
            int threads,
            int inputIndex,
            int pathIndex,
            int topK,
            int batchSize,
            List<String> outputs,
            boolean failOnError,
            Embedding embedding,
            List<String> labels,
            List<String> templates,
            StructType schema)
            implements Serializable {}

    private final Settings s;

    PredictPartition(Settings settings) {
        this.s = settings;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ModelPipeline pipeline = ExecutorModels.forTask(s.model(), s.shippedModel(), s.engine(), s.threads());
        return new InBatches(rows, s.batchSize(), batch -> run(pipeline, batch));
    }

    private List<Row> run(ModelPipeline pipeline, List<Row> batch) {
        ModelConfig c = pipeline.config();
        List<ModelPipeline.EncodedImage> images = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Row row = batch.get(i);
            String name = s.pathIndex() >= 0 ? String.valueOf(row.get(s.pathIndex())) : "row " + i;
            images.add(new ModelPipeline.EncodedImage(name, (byte[]) row.get(s.inputIndex())));
        }
        boolean attention =
                s.outputs().contains(VitPredictor.SALIENCY) || s.outputs().contains(VitPredictor.MAD);
        // The label embeddings are the executor's: built by its first batch, kept by the pipeline.
        ZeroShotClassifier zeroShot = s.labels() == null ? null : pipeline.zeroShot(s.labels(), s.templates());
        List<ModelPipeline.Outcome> outcomes = pipeline.runEach(images, attention);
        MeanAttentionDistance mad = s.outputs().contains(VitPredictor.MAD)
                ? new MeanAttentionDistance(c.gridHeight(), c.gridWidth(), c.patchSize)
                : null;
        List<Row> result = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Row row = batch.get(i);
            ModelPipeline.Outcome outcome = outcomes.get(i);
            if (!outcome.ok() && s.failOnError()) {
                throw new Vit4jException(outcome.error());
            }
            Object[] values = new Object[row.length() + s.outputs().size() + 1];
            for (int j = 0; j < row.length(); j++) {
                values[j] = row.get(j);
            }
            if (outcome.ok()) {
                fill(values, row.length(), outcome.outputs(), pipeline, zeroShot, mad);
            } else {
                values[values.length - 1] = outcome.error();
            }
            // Rows as Spark makes them (arrays as Seq, the schema attached): later steps may read them as they are.
            result.add(new GenericRowWithSchema(values, s.schema()));
        }
        return result;
    }

    private void fill(
            Object[] values,
            int at,
            ModelPipeline.ImageOutputs out,
            ModelPipeline pipeline,
            ZeroShotClassifier zeroShot,
            MeanAttentionDistance mad) {
        ModelConfig c = pipeline.config();
        float[] logits = zeroShot != null ? zeroShot.logits(pipeline.imageEmbedding(out)) : out.logits();
        List<Prediction> top = zeroShot != null
                ? zeroShot.classify(pipeline.imageEmbedding(out), s.topK())
                : !c.hasClassifier() ? List.of() : pipeline.topK(out.logits(), s.topK());
        for (String o : s.outputs()) {
            values[at++] = switch (o) {
                case VitPredictor.TOP_INDICES -> seq(
                        top.stream().map(Prediction::index).toList());
                case VitPredictor.TOP_LABELS -> seq(
                        top.stream().map(Prediction::label).toList());
                case VitPredictor.TOP_PROBABILITIES -> seq(
                        top.stream().map(Prediction::probability).toList());
                case VitPredictor.LOGITS -> seq(logits);
                case VitPredictor.EMBEDDING -> seq(s.embedding().of(out));
                case VitPredictor.SALIENCY -> seq(AttentionMaps.gridSaliency(
                        out.attention(), c.attentionLayout().defaultBlocks().get(0), c));
                case VitPredictor.MAD -> madPerBlock(mad, out);
                default -> throw new IllegalStateException(o);
            };
        }
    }

    private static scala.collection.Map<String, scala.collection.Seq<Double>> madPerBlock(
            MeanAttentionDistance mad, ModelPipeline.ImageOutputs out) {
        java.util.Map<String, scala.collection.Seq<Double>> perBlock = new java.util.LinkedHashMap<>();
        mad.perImage(out.attention())
                .forEach((block, heads) -> perBlock.put(
                        block, seq(java.util.Arrays.stream(heads).boxed().toList())));
        return scala.jdk.javaapi.CollectionConverters.asScala(perBlock);
    }

    /** A float vector as Spark holds an array<float> value. */
    static scala.collection.Seq<Float> seq(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float f : v) {
            out.add(f);
        }
        return seq(out);
    }

    private static <T> scala.collection.Seq<T> seq(List<T> values) {
        return scala.jdk.javaapi.CollectionConverters.asScala(values).toSeq();
    }
}
