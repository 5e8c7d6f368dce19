package dev.vit4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import py4j.reflection.MethodInvoker;
import py4j.reflection.ReflectionEngine;

/**
 * PySpark uses a Java transformer by class name through {@code pyspark.ml.wrapper.JavaTransformer} (docs/spark.md):
 * every call crosses py4j, whose {@code ReflectionEngine} picks the constructor and overload from the run-time types of
 * the Python values (str → String, int → Integer, bool → Boolean, list → ArrayList, as PySpark's gateway converts
 * them). This test makes the calls PySpark 3.5's {@code JavaParams}, {@code JavaTransformer}, {@code JavaMLWriter} and
 * {@code JavaMLReader} make, in their order, through that same engine (py4j comes with Spark). No PySpark runs here:
 * this machine has no pyspark and cannot download it. The wrapper class shipped in the jar
 * ({@code dev/vit4j/spark/__init__.py}) is checked against the JVM class: the same params, each with its type.
 */
class PySparkProtocolTest extends LocalSparkTest {
    private static final String CLASS = "dev.vit4j.spark.VitPredictor";
    private final ReflectionEngine py4j = new ReflectionEngine();

    @Test
    void theCallsOfPySparksJavaTransformerWork() {
        String uid = "VitPredictor_4f2a9c";
        // JavaWrapper._new_java_obj("dev.vit4j.spark.VitPredictor", self.uid)
        Object java = py4j.getConstructor(CLASS, new Object[] {uid}).invoke(null, new Object[] {uid});
        // _transfer_params_to_java: each param set in Python: java_obj.set(java_obj.getParam(name).w(value)) ...
        Map<String, Object> set = new LinkedHashMap<>();
        set.put("model", model.toString());
        set.put("topK", 2);
        set.put("batchSize", 4);
        set.put("failOnError", false);
        set.put(
                "outputCols",
                new ArrayList<>(List.of(VitPredictor.TOP_INDICES, VitPredictor.TOP_LABELS, VitPredictor.EMBEDDING)));
        set.forEach((name, value) -> call(java, "set", call(call(java, "getParam", name), "w", value)));
        // ... then the Python-side defaults in one call: java_obj.setDefault(PythonUtils.toSeq([pairs]))
        Object inputDefault = call(call(java, "getParam", "inputCol"), "w", "content");
        Object seq =
                callStatic("org.apache.spark.api.python.PythonUtils", "toSeq", new ArrayList<>(List.of(inputDefault)));
        call(java, "setDefault", seq);

        // JavaTransformer._transform: java_obj.transform(dataset._jdf)
        Dataset<Row> files = spark.read().format("binaryFile").load(images.toString());
        @SuppressWarnings("unchecked")
        Dataset<Row> viaPy4j = (Dataset<Row>) call(java, "transform", files);
        Dataset<Row> viaJava = new VitPredictor()
                .setModel(model.toString())
                .setTopK(2)
                .setBatchSize(4)
                .setOutputCols(VitPredictor.TOP_INDICES, VitPredictor.TOP_LABELS, VitPredictor.EMBEDDING)
                .transform(files);
        assertEquals(outputs(viaJava), outputs(viaPy4j));

        // _transfer_params_from_java: hasParam, getParam, isSet, getOrDefault; hasDefault, getDefault(...).get()
        assertEquals(true, call(java, "hasParam", "outputCols"));
        Object outputCols = call(java, "getParam", "outputCols");
        assertEquals(true, call(java, "isSet", outputCols));
        assertArrayEquals(
                new String[] {VitPredictor.TOP_INDICES, VitPredictor.TOP_LABELS, VitPredictor.EMBEDDING},
                (String[]) call(java, "getOrDefault", outputCols));
        Object engine = call(java, "getParam", "engine");
        assertEquals(true, call(java, "hasDefault", engine));
        assertEquals("onnx", call(call(java, "getDefault", engine), "get"));

        // JavaParams.copy: java_obj.copy(ParamMap())
        Object copy = call(java, "copy", new ParamMap());
        assertEquals(uid, call(copy, "uid"));

        // JavaMLWriter: java_obj.write().overwrite().save(path); JavaMLReader: VitPredictor.read().load(path)
        String path = dir.resolve("saved-from-python").toString();
        call(call(call(java, "write"), "overwrite"), "save", path);
        Object back = call(callStatic(CLASS, "read"), "load", path);
        assertEquals(uid, call(back, "uid"));
        assertEquals(2, call(back, "getOrDefault", call(back, "getParam", "topK")));
    }

    @Test
    void thePythonWrapperInTheJarDeclaresEveryParamWithItsJvmType() throws IOException, InterruptedException {
        String python;
        try (var in = getClass().getResourceAsStream("/dev/vit4j/spark/__init__.py")) {
            python = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String[] classes = python.split("\nclass ");
        assertEquals(3, classes.length, "the module's text, then VitPredictor and TextEmbedder");
        assertWrapped(classes[1], "VitPredictor", new VitPredictor());
        assertWrapped(classes[2], "TextEmbedder", new TextEmbedder());
        Path copy = dir.resolve("vit4j_spark_wrapper.py");
        java.nio.file.Files.writeString(copy, python);
        Process compile;
        try {
            compile = new ProcessBuilder("python3", "-m", "py_compile", copy.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            assumeTrue(false, "no python3 here (.ci/run installs it): the wrapper's syntax is not compiled");
            return;
        }
        String said = new String(compile.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, compile.waitFor(), said);
    }

    /** The Python class {@code name} (its source {@code python}) declares {@code jvm}'s params with their types. */
    private static void assertWrapped(String python, String name, org.apache.spark.ml.param.Params jvmStage) {
        assertEquals(
                true, python.startsWith(name + "("), python.lines().findFirst().orElse(""));
        Map<String, String> converters = new LinkedHashMap<>();
        var declared = Pattern.compile(
                        "(\\w+) = Param\\(Params\\._dummy\\(\\), \"(\\w+)\",.*?TypeConverters\\.(\\w+)\\)",
                        Pattern.DOTALL)
                .matcher(python);
        while (declared.find()) {
            assertEquals(declared.group(1), declared.group(2), "attribute named as its param");
            converters.put(declared.group(2), declared.group(3));
        }
        Map<String, String> jvm = new LinkedHashMap<>();
        for (var p : jvmStage.params()) {
            jvm.put(
                    p.name(),
                    switch (p.getClass().getSimpleName()) {
                        case "IntParam" -> "toInt";
                        case "BooleanParam" -> "toBoolean";
                        case "StringArrayParam" -> "toListString";
                        case "Param" -> "toString";
                        default -> p.getClass().getSimpleName() + ": no converter chosen for it";
                    });
        }
        assertEquals(new TreeMap<>(jvm), new TreeMap<>(converters), name);
        for (String method : new String[] {"__init__", "setParams"}) {
            var signature = Pattern.compile("def " + method + "\\(self, \\*, ([^)]*)\\)", Pattern.DOTALL)
                    .matcher(python);
            assertEquals(true, signature.find(), name + "." + method);
            assertEquals(
                    new TreeSet<>(jvm.keySet()),
                    new TreeSet<>(Arrays.stream(signature.group(1).split(","))
                            .map(a -> a.strip().replace("=None", ""))
                            .toList()),
                    name + "." + method + "'s keywords");
        }
        assertEquals(
                true,
                python.contains("_new_java_obj(\"" + jvmStage.getClass().getName() + "\", self.uid)"),
                name + " constructs its JVM class");
    }

    private Object call(Object target, String method, Object... args) {
        MethodInvoker invoker = py4j.getMethod(target, method, args);
        return py4j.invoke(target, invoker, args);
    }

    private Object callStatic(String className, String method, Object... args) {
        MethodInvoker invoker = py4j.getMethod(className, method, args);
        return py4j.invoke(null, invoker, args);
    }

    private static List<String> outputs(Dataset<Row> predicted) {
        return predicted.drop("content").orderBy("path").collectAsList().stream()
                .map(Row::toString)
                .toList();
    }
}
