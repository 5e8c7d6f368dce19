package dev.vit4j.spark;

import java.util.Arrays;
import java.util.UUID;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer}: texts in, a two-tower model's (CLIP's, SigLIP's) text embeddings out, tokenized and
 * embedded as {@code vit4j embed --texts} does (open_clip's {@code encode_text}), the same space {@link VitPredictor}'s
 * {@code embedding} column holds with {@code embeddingOutput} "head".
 * <pre>{@code
 * Dataset<Row> captions = spark.read().text("captions.txt");          // column "value"
 * Dataset<Row> out = new TextEmbedder().setModel("timm/ViT-B-16-SigLIP").setInputCol("value")
 *         .setNormalize(true).transform(captions);                    // + column "text_embedding"
 * }</pre>
 * A null text gives a null embedding. Texts are batched within a partition ({@code batchSize}); models are loaded,
 * shipped and saved as {@link VitPredictor}'s are.
 */
public final class TextEmbedder extends Transformer implements MLWritable, ModelStage {
    public static final String TEXT_EMBEDDING = "text_embedding";

    private final String uid;
    private final Param<String> model;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final BooleanParam normalize;
    private final IntParam batchSize;
    private final Param<String> engine;
    private final IntParam threads;

    public TextEmbedder() {
        this("textEmbedder_" + UUID.randomUUID().toString().substring(0, 12));
    }

    public TextEmbedder(String uid) {
        this.uid = uid;
        model = new Param<>(
                this,
                "model",
                "a two-tower model: an open_clip Hub name (timm/ViT-B-16-SigLIP) or an open_clip model directory");
        inputCol = new Param<>(this, "inputCol", "the column of texts");
        outputCol = new Param<>(this, "outputCol", "the column of text embeddings");
        normalize = new BooleanParam(this, "normalize", "L2-normalise the embeddings");
        batchSize = new IntParam(this, "batchSize", "texts per engine run within a partition", ParamValidators.gtEq(1));
        engine = new Param<>(this, "engine", "onnx, onnx-int8 or torch");
        threads = new IntParam(
                this, "threads", "ONNX Runtime threads per run (0: spark.task.cpus)", ParamValidators.gtEq(0));
        setDefault(inputCol, "text");
        setDefault(outputCol, TEXT_EMBEDDING);
        setDefault(normalize, false);
        setDefault(batchSize, 64);
        setDefault(engine, "onnx");
        setDefault(threads, 0);
    }

    // Spark finds a transformer's params through public no-argument methods returning them.
    public Param<String> model() {
        return model;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public BooleanParam normalize() {
        return normalize;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> engine() {
        return engine;
    }

    public IntParam threads() {
        return threads;
    }

    @Override
    public String getModel() {
        return $(model);
    }

    @Override
    public TextEmbedder setModel(String value) {
        return (TextEmbedder) set(model, value);
    }

    public TextEmbedder setInputCol(String value) {
        return (TextEmbedder) set(inputCol, value);
    }

    public TextEmbedder setOutputCol(String value) {
        return (TextEmbedder) set(outputCol, value);
    }

    public TextEmbedder setNormalize(boolean value) {
        return (TextEmbedder) set(normalize, value);
    }

    public TextEmbedder setBatchSize(int value) {
        return (TextEmbedder) set(batchSize, value);
    }

    public TextEmbedder setEngine(String value) {
        return (TextEmbedder) set(engine, value);
    }

    public TextEmbedder setThreads(int value) {
        return (TextEmbedder) set(threads, value);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        String m = $(model);
        TextPartition.Settings settings = new TextPartition.Settings(
                m,
                ModelShipping.ship(SparkSession.active().sparkContext(), m),
                $(engine),
                (Integer) $(threads),
                dataset.schema().fieldIndex($(inputCol)),
                (Integer) $(batchSize),
                (Boolean) $(normalize),
                out);
        return dataset.toDF().mapPartitions(new TextPartition(settings), Encoders.row(out));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(model)) {
            throw new IllegalArgumentException("TextEmbedder: setModel(...) first");
        }
        String input = $(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(input)
                || !schema.apply(input).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(
                    "TextEmbedder: input column '" + input + "' must be strings; have " + schema.simpleString());
        }
        String output = $(outputCol);
        if (Arrays.asList(schema.fieldNames()).contains(output)) {
            throw new IllegalArgumentException("TextEmbedder: output column '" + output + "' exists already");
        }
        return schema.add(
                new StructField(output, DataTypes.createArrayType(DataTypes.FloatType, false), true, Metadata.empty()));
    }

    @Override
    public TextEmbedder copy(ParamMap extra) {
        return (TextEmbedder) defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return new ModelStagePersistence.Writer(this);
    }

    /** What {@code PipelineModel.load} and PySpark's {@code JavaMLReader} call to read a saved embedder. */
    public static MLReader<TextEmbedder> read() {
        return new ModelStagePersistence.Reader<>();
    }

    public static TextEmbedder load(String path) {
        return read().load(path);
    }
}
