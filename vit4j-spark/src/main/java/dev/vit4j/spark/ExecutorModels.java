package dev.vit4j.spark;

import dev.vit4j.hub.HubClient;
import dev.vit4j.hub.HubModels;
import dev.vit4j.hub.HubSettings;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models of one executor JVM: each loaded once, when its first task needs it, and shared by every task that
 * runs there after (an ONNX Runtime session takes concurrent runs). Never closed: they live as long as the executor.
 */
final class ExecutorModels {
    /** What identifies a loaded model: where it comes from, the engine, ONNX Runtime's threads per run. */
    record Key(String model, String engine, int threads) {}

    private static final ConcurrentHashMap<Key, ModelPipeline> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /**
     * What a task of a partition function runs: the model as shipped to this executor ({@link ModelShipping}), with
     * ONNX Runtime's threads as the stage asks or {@code spark.task.cpus}.
     */
    static ModelPipeline forTask(String model, String shipped, String engine, int threads) {
        return get(new Key(ModelShipping.local(model, shipped), engine, threads > 0 ? threads : taskCpus()));
    }

    private static int taskCpus() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        return env == null ? 1 : env.conf().getInt("spark.task.cpus", 1);
    }

    /** The model with its engine and preprocessing. */
    static ModelPipeline get(Key key) {
        return MODELS.computeIfAbsent(key, k -> {
            LoadedModel model = HubModels.open(k.model(), new HubClient(HubSettings.fromEnvironment()));
            return ModelPipeline.open(model, EngineType.of(k.engine()), k.threads());
        });
    }
}
