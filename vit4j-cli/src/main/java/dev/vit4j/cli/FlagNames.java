package dev.vit4j.cli;

import java.util.Map;

/**
 * How the command line spells the library's parameters in error messages ({@link dev.vit4j.Vit4jException#describe}):
 * the library says {@code layerDecay}, a user of {@code vit4j train} reads {@code --layer-decay}.
 */
final class FlagNames {
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("architecture", "-m"),
            Map.entry("models", "-m"),
            Map.entry("pretrainedTags", "`vit4j models --pretrained`"),
            Map.entry("registeredModels", "`vit4j models`"),
            Map.entry("rollout", "--rollout"),
            Map.entry("epochs", "--epochs"),
            Map.entry("warmupEpochs", "--warmup-epochs"),
            Map.entry("weightDecay", "--weight-decay"),
            Map.entry("clipGrad", "--clip-grad"),
            Map.entry("layerDecay", "--layer-decay"),
            Map.entry("embeddingOutput", "--embedding"),
            Map.entry("maxBatch", "--max-batch"),
            Map.entry("maxDelayMillis", "--max-delay-ms"),
            Map.entry("queueCapacity", "--queue"),
            Map.entry("timeoutMillis", "--timeout-ms"),
            Map.entry("maxBodyBytes", "--max-body-mb"),
            Map.entry("maxPixels", "--max-pixels"),
            Map.entry("maxImages", "--max-images"),
            Map.entry("threads", "--threads"),
            Map.entry("workers", "--workers"),
            Map.entry("modelControl", "--model-control"),
            Map.entry("maxRequestPixels", "--max-request-pixels"),
            Map.entry("maxResponseBytes", "--max-response-mb"),
            Map.entry("headerTimeoutMillis", "--header-timeout-ms"),
            Map.entry("weights", "-w FILE"),
            Map.entry("numClasses", "--num-classes"),
            Map.entry("resume", "--resume"),
            Map.entry("overwrite", "--overwrite"),
            Map.entry("port", "--port"),
            Map.entry("labels", "--labels"),
            Map.entry("templates", "--template/--templates"),
            Map.entry("batchSize", "--batch-size"));

    private FlagNames() {}

    /** Whether the command line has a spelling for the library parameter. */
    static boolean has(String parameter) {
        return FLAGS.containsKey(parameter);
    }

    /** The flag for a library parameter; the parameter's own name where the command line has no flag for it. */
    static String of(String parameter) {
        return FLAGS.getOrDefault(parameter, parameter);
    }
}
