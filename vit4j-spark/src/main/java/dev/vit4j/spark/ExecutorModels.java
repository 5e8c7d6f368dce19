package dev.vit4j.spark;

import dev.vit4j.hub.HubClient;
import dev.vit4j.hub.HubModels;
import dev.vit4j.hub.HubSettings;
import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.InferenceEngine;
import dev.vit4j.inference.LoadedModel;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models of one executor JVM: each loaded once, when its first task needs it, and shared by every task that
 * runs there after (an ONNX Runtime session takes concurrent runs). Never closed: they live as long as the executor.
 */
final class ExecutorModels {
    /** What identifies a loaded model: where it comes from, the engine, ONNX Runtime's threads per run. */
    record Key(String model, String engine, int threads) {}

    /** A model with its engine. */
    record Loaded(LoadedModel model, InferenceEngine engine) {}

    private static final ConcurrentHashMap<Key, Loaded> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    static Loaded get(Key key) {
        return MODELS.computeIfAbsent(key, k -> {
            LoadedModel model = HubModels.open(k.model(), new HubClient(HubSettings.fromEnvironment()));
            return new Loaded(model, EngineType.of(k.engine()).createOrCloseModel(model, k.threads()));
        });
    }
}
