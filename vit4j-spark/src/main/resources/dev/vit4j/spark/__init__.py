"""vit4j's Spark ML transformers for PySpark: the JVM classes dev.vit4j.spark.VitPredictor and TextEmbedder, by name.

    spark-submit --jars vit4j-spark.jar --py-files vit4j-spark.jar job.py

    from dev.vit4j.spark import VitPredictor
    images = spark.read.format("binaryFile").load("photos/")
    out = VitPredictor(model="timm/deit_tiny_patch16_224.fb_in1k", topK=5,
                       outputCols=["top_labels", "top_probabilities", "embedding"]).transform(images)
    # zero-shot with a two-tower model (CLIP, SigLIP); its text tower alone: TextEmbedder
    VitPredictor(model="timm/ViT-B-16-SigLIP", labels=["cat", "dog"], templates=["a photo of a {}."])

The module is named after the Java package on purpose: PySpark maps a saved JVM stage's class name to a Python module
of the same name (JavaParams._from_java) and a Python class to its JVM reader the other way (JavaMLReader), so
VitPredictor.load(path) and PipelineModel.load(path) find these classes without further help.
Parameters are documented on the JVM class (docs/spark.md); any left out here keeps its JVM default.
"""
from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import JavaMLReadable, JavaMLWritable
from pyspark.ml.wrapper import JavaTransformer

__all__ = ["VitPredictor", "TextEmbedder"]


class VitPredictor(JavaTransformer, JavaMLReadable, JavaMLWritable):
    model = Param(Params._dummy(), "model",
                  "a Hub name (timm/NAME.TAG), an architecture with pretrained weights, or a model directory",
                  TypeConverters.toString)
    inputCol = Param(Params._dummy(), "inputCol", "the column of encoded image bytes", TypeConverters.toString)
    pathCol = Param(Params._dummy(), "pathCol", "a column naming each image in errors", TypeConverters.toString)
    outputCols = Param(Params._dummy(), "outputCols",
                       "outputs, of top_indices, top_labels, top_probabilities, logits, embedding, saliency, mad",
                       TypeConverters.toListString)
    topK = Param(Params._dummy(), "topK", "classes per image", TypeConverters.toInt)
    batchSize = Param(Params._dummy(), "batchSize", "images per engine run within a partition", TypeConverters.toInt)
    engine = Param(Params._dummy(), "engine", "onnx, onnx-int8 or torch", TypeConverters.toString)
    threads = Param(Params._dummy(), "threads", "ONNX Runtime threads per run (0: spark.task.cpus)",
                    TypeConverters.toInt)
    failOnError = Param(Params._dummy(), "failOnError",
                        "fail the job on an unreadable image instead of an error row", TypeConverters.toBoolean)
    embeddingOutput = Param(Params._dummy(), "embeddingOutput",
                            "the embedding column: pre-logits (timm's) or head (a CLIP tower's joint-space embedding)",
                            TypeConverters.toString)
    normalizeEmbedding = Param(Params._dummy(), "normalizeEmbedding", "L2-normalise the embedding column",
                               TypeConverters.toBoolean)
    labels = Param(Params._dummy(), "labels",
                   "zero-shot labels (a two-tower model: CLIP, SigLIP): the classification outputs rank these instead"
                   " of the model's classes", TypeConverters.toListString)
    templates = Param(Params._dummy(), "templates",
                      "zero-shot prompts, {} marking the label; a label's prompts are averaged",
                      TypeConverters.toListString)

    @keyword_only
    def __init__(self, *, model=None, inputCol=None, pathCol=None, outputCols=None, topK=None, batchSize=None,
                 engine=None, threads=None, failOnError=None, embeddingOutput=None, normalizeEmbedding=None,
                 labels=None, templates=None):
        super().__init__()
        self._java_obj = self._new_java_obj("dev.vit4j.spark.VitPredictor", self.uid)
        self._set(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, model=None, inputCol=None, pathCol=None, outputCols=None, topK=None, batchSize=None,
                  engine=None, threads=None, failOnError=None, embeddingOutput=None, normalizeEmbedding=None,
                  labels=None, templates=None):
        return self._set(**self._input_kwargs)


class TextEmbedder(JavaTransformer, JavaMLReadable, JavaMLWritable):
    """A two-tower model's (CLIP's, SigLIP's) text embeddings: the JVM class dev.vit4j.spark.TextEmbedder.

        captions = spark.read.text("captions.txt")
        out = TextEmbedder(model="timm/ViT-B-16-SigLIP", inputCol="value", normalize=True).transform(captions)
    """
    model = Param(Params._dummy(), "model",
                  "a two-tower model: an open_clip Hub name (timm/ViT-B-16-SigLIP) or an open_clip model directory",
                  TypeConverters.toString)
    inputCol = Param(Params._dummy(), "inputCol", "the column of texts", TypeConverters.toString)
    outputCol = Param(Params._dummy(), "outputCol", "the column of text embeddings", TypeConverters.toString)
    normalize = Param(Params._dummy(), "normalize", "L2-normalise the embeddings", TypeConverters.toBoolean)
    batchSize = Param(Params._dummy(), "batchSize", "texts per engine run within a partition", TypeConverters.toInt)
    engine = Param(Params._dummy(), "engine", "onnx, onnx-int8 or torch", TypeConverters.toString)
    threads = Param(Params._dummy(), "threads", "ONNX Runtime threads per run (0: spark.task.cpus)",
                    TypeConverters.toInt)

    @keyword_only
    def __init__(self, *, model=None, inputCol=None, outputCol=None, normalize=None, batchSize=None, engine=None,
                 threads=None):
        super().__init__()
        self._java_obj = self._new_java_obj("dev.vit4j.spark.TextEmbedder", self.uid)
        self._set(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, model=None, inputCol=None, outputCol=None, normalize=None, batchSize=None, engine=None,
                  threads=None):
        return self._set(**self._input_kwargs)
