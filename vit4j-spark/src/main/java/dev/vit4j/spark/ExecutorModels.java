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

    /** The model with its engine and preprocessing. */
    static ModelPipeline get(Key key) {
        return MODELS.computeIfAbsent(key, k -> {
            LoadedModel model = HubModels.open(k.model(), new HubClient(HubSettings.fromEnvironment()));
            return ModelPipeline.open(model, EngineType.of(k.engine()), k.threads());
        });
    }
}
