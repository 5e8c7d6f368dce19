package dev.vit4j.spark;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.ZeroShotClassifier;
import dev.vit4j.text.Prompts;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer}: images (encoded bytes, e.g. the {@code content} column of Spark's
 * {@code binaryFile} source) in, vit4j's predictions out, decoded and preprocessed exactly as {@code vit4j predict}
 * does (not by Spark's {@code image} source, whose decoding differs from PIL's).
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("photos/");
 * Dataset<Row> out = new VitPredictor().setModel("timm/deit_tiny_patch16_224.fb_in1k").setTopK(5)
 *         .setOutputCols("top_indices", "top_labels", "top_probabilities", "embedding").transform(images);
 * }</pre>
 * With {@code labels} set, a two-tower model (CLIP, SigLIP) ranks those labels instead of classes: zero-shot
 * classification as {@code vit4j zero-shot} does it ({@link TextEmbedder} gives text embeddings).
 * Output columns, after the input's: those of {@code outputCols} ({@value #TOP_INDICES}, {@value #TOP_LABELS},
 * {@value #TOP_PROBABILITIES}, {@value #LOGITS}, {@value #EMBEDDING}: timm's pre-logits (or, with {@code embeddingOutput} "head", the head's output; L2-normalised with {@code normalizeEmbedding}), {@value #SALIENCY}: the
 * class-token saliency over the patch grid, {@value #MAD}: the image's mean attention distance per self-attention block
 * and head), then {@code error}: null, or why the row's image could not be read (its
 * outputs then null; with {@code failOnError} the job fails instead). One model per executor JVM, shared by its tasks;
 * rows are batched within a partition ({@code batchSize}); ONNX Runtime runs each batch on {@code spark.task.cpus}
 * threads unless {@code threads} says otherwise. A model given as a local directory is shipped to the executors
 * once ({@link ModelShipping}); a Hub name is fetched into each machine's Hub cache.
 * <p>
 * It saves and loads as Spark ML stages do ({@code write().save(path)}, {@link #load}, inside a saved
 * {@code PipelineModel}), with a copy of a local model directory ({@link ModelStagePersistence}). From PySpark it is
 * used by class name through {@code pyspark.ml.wrapper.JavaTransformer} (docs/spark.md): constructed with a uid,
 * params set by name.
 */
public final class VitPredictor extends Transformer implements MLWritable, ModelStage {
    public static final String TOP_INDICES = "top_indices";
    public static final String TOP_LABELS = "top_labels";
    public static final String TOP_PROBABILITIES = "top_probabilities";
    public static final String LOGITS = "logits";
    public static final String EMBEDDING = "embedding";
    public static final String SALIENCY = "saliency";
    public static final String MAD = "mad";
    public static final String ERROR = "error";
    private static final List<String> OUTPUTS =
            List.of(TOP_INDICES, TOP_LABELS, TOP_PROBABILITIES, LOGITS, EMBEDDING, SALIENCY, MAD);

    private final String uid;
    private final Param<String> model;
    private final Param<String> inputCol;
    private final Param<String> pathCol;
    private final StringArrayParam outputCols;
    private final IntParam topK;
    private final IntParam batchSize;
    private final Param<String> engine;
    private final IntParam threads;
    private final BooleanParam failOnError;
    private final Param<String> embeddingOutput;
    private final BooleanParam normalizeEmbedding;
    private final StringArrayParam labels;
    private final StringArrayParam templates;

    public VitPredictor() {
        this("vitPredictor_" + UUID.randomUUID().toString().substring(0, 12));
    }

    public VitPredictor(String uid) {
        this.uid = uid;
        model = new Param<>(
                this,
                "model",
                "a Hub name (timm/NAME.TAG), an architecture with pretrained weights, or a " + "model directory");
        inputCol = new Param<>(this, "inputCol", "the column of encoded image bytes");
        pathCol = new Param<>(this, "pathCol", "a column naming each image in errors (none if absent)");
        outputCols = new StringArrayParam(this, "outputCols", "outputs, of " + OUTPUTS);
        topK = new IntParam(this, "topK", "classes per image", ParamValidators.gtEq(1));
        batchSize =
                new IntParam(this, "batchSize", "images per engine run within a partition", ParamValidators.gtEq(1));
        engine = new Param<>(this, "engine", "onnx, onnx-int8 or torch");
        threads = new IntParam(
                this, "threads", "ONNX Runtime threads per run (0: spark.task.cpus)", ParamValidators.gtEq(0));
        failOnError =
                new BooleanParam(this, "failOnError", "fail the job on an unreadable image instead of an error row");
        setDefault(inputCol, "content");
        setDefault(pathCol, "path");
        setDefault(outputCols, new String[] {TOP_INDICES, TOP_LABELS, TOP_PROBABILITIES});
        setDefault(topK, 5);
        setDefault(batchSize, 16);
        setDefault(engine, "onnx");
        setDefault(threads, 0);
        embeddingOutput = new Param<>(
                this,
                "embeddingOutput",
                "the embedding column: pre-logits (timm's) or head (a CLIP tower's joint-space embedding)");
        normalizeEmbedding = new BooleanParam(this, "normalizeEmbedding", "L2-normalise the embedding column");
        setDefault(failOnError, false);
        setDefault(embeddingOutput, Embedding.Output.PRE_LOGITS.id());
        setDefault(normalizeEmbedding, false);
        labels = new StringArrayParam(
                this,
                "labels",
                "zero-shot labels (a two-tower model: CLIP, SigLIP): the classification outputs rank these instead of"
                        + " the model's classes");
        templates = new StringArrayParam(
                this, "templates", "zero-shot prompts, {} marking the label; a label's prompts are averaged");
        setDefault(templates, new String[] {Prompts.DEFAULT_TEMPLATE});
    }

    // Spark finds a transformer's params through public no-argument methods returning them.
    public Param<String> model() {
        return model;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> pathCol() {
        return pathCol;
    }

    public StringArrayParam outputCols() {
        return outputCols;
    }

    public IntParam topK() {
        return topK;
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

    public Param<String> embeddingOutput() {
        return embeddingOutput;
    }

    public BooleanParam normalizeEmbedding() {
        return normalizeEmbedding;
    }

    public BooleanParam failOnError() {
        return failOnError;
    }

    public StringArrayParam labels() {
        return labels;
    }

    public StringArrayParam templates() {
        return templates;
    }

    @Override
    public String getModel() {
        return $(model);
    }

    @Override
    public VitPredictor setModel(String value) {
        return (VitPredictor) set(model, value);
    }

    public VitPredictor setInputCol(String value) {
        return (VitPredictor) set(inputCol, value);
    }

    public VitPredictor setPathCol(String value) {
        return (VitPredictor) set(pathCol, value);
    }

    public VitPredictor setOutputCols(String... value) {
        return (VitPredictor) set(outputCols, value);
    }

    public VitPredictor setTopK(int value) {
        return (VitPredictor) set(topK, value);
    }

    public VitPredictor setBatchSize(int value) {
        return (VitPredictor) set(batchSize, value);
    }

    public VitPredictor setEngine(String value) {
        return (VitPredictor) set(engine, value);
    }

    public VitPredictor setThreads(int value) {
        return (VitPredictor) set(threads, value);
    }

    /** "pre-logits" (timm's, the default) or "head" (the head's output: a CLIP tower's image embedding). */
    public VitPredictor setEmbeddingOutput(String value) {
        Embedding.Output.parse(value);
        return (VitPredictor) set(embeddingOutput, value);
    }

    public VitPredictor setNormalizeEmbedding(boolean value) {
        return (VitPredictor) set(normalizeEmbedding, value);
    }

    /**
     * Zero-shot classification by a two-tower model (CLIP, SigLIP): {@value #TOP_INDICES}, {@value #TOP_LABELS},
     * {@value #TOP_PROBABILITIES} and {@value #LOGITS} rank these labels (each prompted with every template, CLIP's
     * prompt ensembling) as {@code vit4j zero-shot} does. Each executor embeds them once.
     */
    public VitPredictor setLabels(String... value) {
        return (VitPredictor) set(labels, value);
    }

    /** The zero-shot prompts, {@code {}} marking the label (default {@value Prompts#DEFAULT_TEMPLATE}). */
    public VitPredictor setTemplates(String... value) {
        return (VitPredictor) set(templates, value);
    }

    public VitPredictor setFailOnError(boolean value) {
        return (VitPredictor) set(failOnError, value);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        String m = $(model);
        String shipped = ModelShipping.ship(SparkSession.active().sparkContext(), m);
        StructType in = dataset.schema();
        PredictPartition.Settings settings = new PredictPartition.Settings(
                m,
                shipped,
                $(engine),
                (Integer) $(threads),
                in.fieldIndex($(inputCol)),
                Arrays.asList(in.fieldNames()).indexOf($(pathCol)),
                (Integer) $(topK),
                (Integer) $(batchSize),
                List.of((String[]) $(outputCols)),
                (Boolean) $(failOnError),
                new Embedding(Embedding.Output.parse($(embeddingOutput)), (Boolean) $(normalizeEmbedding)),
                zeroShotLabels(),
                List.of((String[]) $(templates)),
                out);
        return dataset.toDF().mapPartitions(new PredictPartition(settings), Encoders.row(out));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(model)) {
            throw new IllegalArgumentException("VitPredictor: setModel(...) first");
        }
        String input = $(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(input)
                || !schema.apply(input).dataType().equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("VitPredictor: input column '" + input + "' must be binary (encoded "
                    + "images, e.g. the binaryFile source's content); have " + schema.simpleString());
        }
        List<String> zeroShot = zeroShotLabels();
        if (zeroShot != null) {
            try {
                ZeroShotClassifier.check(zeroShot, List.of((String[]) $(templates)));
            } catch (Vit4jException e) {
                throw new IllegalArgumentException("VitPredictor: " + e.getMessage(), e);
            }
        }
        StructType out = schema;
        for (String o : (String[]) $(outputCols)) {
            if (!OUTPUTS.contains(o)) {
                throw new IllegalArgumentException("VitPredictor: unknown output '" + o + "'; have " + OUTPUTS);
            }
            out = out.add(new StructField(o, type(o), true, org.apache.spark.sql.types.Metadata.empty()));
        }
        return out.add(new StructField(ERROR, DataTypes.StringType, true, org.apache.spark.sql.types.Metadata.empty()));
    }

    /** The zero-shot labels, or null when the model's own classes are ranked. */
    private List<String> zeroShotLabels() {
        return isDefined(labels) ? List.of((String[]) $(labels)) : null;
    }

    private static DataType type(String output) {
        return switch (output) {
            case TOP_INDICES -> DataTypes.createArrayType(DataTypes.IntegerType, false);
            case TOP_LABELS -> DataTypes.createArrayType(DataTypes.StringType, false);
            case TOP_PROBABILITIES -> DataTypes.createArrayType(DataTypes.DoubleType, false);
            case MAD -> DataTypes.createMapType(
                    DataTypes.StringType, DataTypes.createArrayType(DataTypes.DoubleType, false), false);
            default -> DataTypes.createArrayType(DataTypes.FloatType, false);
        };
    }

    @Override
    public VitPredictor copy(ParamMap extra) {
        return (VitPredictor) defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return new ModelStagePersistence.Writer(this);
    }

    /** What {@code PipelineModel.load} and PySpark's {@code JavaMLReader} call to read a saved predictor. */
    public static MLReader<VitPredictor> read() {
        return new ModelStagePersistence.Reader<>();
    }

    public static VitPredictor load(String path) {
        return read().load(path);
    }
}
