package dev.vit4j.spark;

import dev.vit4j.Vit4jException;
import dev.vit4j.image.EvalTransform;
import dev.vit4j.image.ImageDecoder;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.Prediction;
import dev.vit4j.inference.Predictor;
import dev.vit4j.models.DataConfig;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.probing.MeanAttentionDistance;
import dev.vit4j.viz.AttentionReport;
import dev.vit4j.weights.FloatTensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
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
            StructType schema)
            implements Serializable {}

    private final Settings s;

    PredictPartition(Settings settings) {
        this.s = settings;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        String model = ModelShipping.local(s.model(), s.shippedModel());
        ExecutorModels.Loaded loaded = ExecutorModels.get(
                new ExecutorModels.Key(model, s.engine(), s.threads() > 0 ? s.threads() : taskCpus()));
        EvalTransform transform =
                new EvalTransform(loaded.model().model().config().resolvedDataConfig());
        return new Iterator<>() {
            private final List<Row> ready = new ArrayList<>();
            private int next;

            @Override
            public boolean hasNext() {
                if (next < ready.size()) {
                    return true;
                }
                ready.clear();
                next = 0;
                List<Row> batch = new ArrayList<>(s.batchSize());
                while (batch.size() < s.batchSize() && rows.hasNext()) {
                    batch.add(rows.next());
                }
                if (!batch.isEmpty()) {
                    ready.addAll(run(loaded, transform, batch));
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.get(next++);
            }
        };
    }

    private static int taskCpus() {
        SparkEnv env = SparkEnv.get();
        return env == null ? 1 : env.conf().getInt("spark.task.cpus", 1);
    }

    private List<Row> run(ExecutorModels.Loaded loaded, EvalTransform transform, List<Row> batch) {
        ModelConfig c = loaded.model().model().config();
        DataConfig d = c.resolvedDataConfig();
        int per = d.channels() * d.height() * d.width();
        String[] errors = new String[batch.size()];
        List<Integer> good = new ArrayList<>();
        float[] input = new float[per * batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            Row row = batch.get(i);
            String name = s.pathIndex() >= 0 ? String.valueOf(row.get(s.pathIndex())) : "row " + i;
            try {
                byte[] bytes = (byte[]) row.get(s.inputIndex());
                if (bytes == null) {
                    throw new Vit4jException("no image bytes in " + name);
                }
                System.arraycopy(transform.apply(ImageDecoder.read(bytes, name)), 0, input, good.size() * per, per);
                good.add(i);
            } catch (Vit4jException e) {
                if (s.failOnError()) {
                    throw e;
                }
                errors[i] = e.getMessage();
            }
        }
        boolean attention =
                s.outputs().contains(VitPredictor.SALIENCY) || s.outputs().contains(VitPredictor.MAD);
        ModelOutputs out = good.isEmpty()
                ? null
                : loaded.engine()
                        .run(
                                java.util.Arrays.copyOf(input, good.size() * per),
                                new long[] {good.size(), d.channels(), d.height(), d.width()},
                                attention);
        MeanAttentionDistance mad = s.outputs().contains(VitPredictor.MAD)
                ? new MeanAttentionDistance(c.gridHeight(), c.gridWidth(), c.patchSize)
                : null;
        List<Row> result = new ArrayList<>(batch.size());
        for (int i = 0, g = 0; i < batch.size(); i++) {
            Row row = batch.get(i);
            Object[] values = new Object[row.length() + s.outputs().size() + 1];
            for (int j = 0; j < row.length(); j++) {
                values[j] = row.get(j);
            }
            if (errors[i] == null) {
                fill(values, row.length(), out, g++, loaded, c, mad);
            } else {
                values[values.length - 1] = errors[i];
            }
            // Rows as Spark makes them (arrays as Seq, the schema attached): later steps may read them as they are.
            result.add(new GenericRowWithSchema(values, s.schema()));
        }
        return result;
    }

    private void fill(
            Object[] values,
            int at,
            ModelOutputs out,
            int g,
            ExecutorModels.Loaded loaded,
            ModelConfig c,
            MeanAttentionDistance mad) {
        List<Prediction> top = c.numClasses == 0
                ? List.of()
                : Predictor.topK(out.logits()[g], s.topK(), loaded.model().labels());
        for (String o : s.outputs()) {
            values[at++] = switch (o) {
                case VitPredictor.TOP_INDICES -> seq(
                        top.stream().map(Prediction::index).toList());
                case VitPredictor.TOP_LABELS -> seq(
                        top.stream().map(Prediction::label).toList());
                case VitPredictor.TOP_PROBABILITIES -> seq(
                        top.stream().map(Prediction::probability).toList());
                case VitPredictor.LOGITS -> seq(out.logits()[g]);
                case VitPredictor.EMBEDDING -> seq(out.preLogits()[g]);
                case VitPredictor.SALIENCY -> seq(AttentionReport.gridSaliency(
                        attentionOf(out, g), AttentionReport.defaultBlocks(c).get(0), c));
                case VitPredictor.MAD -> madPerBlock(mad, out, g);
                default -> throw new IllegalStateException(o);
            };
        }
    }

    private static scala.collection.Map<String, scala.collection.Seq<Double>> madPerBlock(
            MeanAttentionDistance mad, ModelOutputs out, int g) {
        java.util.Map<String, scala.collection.Seq<Double>> perBlock = new java.util.LinkedHashMap<>();
        mad.perImage(attentionOf(out, g))
                .forEach((block, heads) -> perBlock.put(
                        block, seq(java.util.Arrays.stream(heads).boxed().toList())));
        return scala.jdk.javaapi.CollectionConverters.asScala(perBlock);
    }

    /** Image {@code g}'s attention tensors, batch axis dropped. */
    private static java.util.Map<String, FloatTensor> attentionOf(ModelOutputs out, int g) {
        java.util.Map<String, FloatTensor> mine = new java.util.LinkedHashMap<>();
        out.attention().forEach((key, t) -> mine.put(key, t.select(g)));
        return mine;
    }

    private static scala.collection.Seq<Float> seq(float[] v) {
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
