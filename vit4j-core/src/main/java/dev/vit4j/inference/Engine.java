package dev.vit4j.inference;

import ai.djl.ndarray.NDManager;

/**
 * The tensor engine vit4j runs on: DJL with PyTorch's CPU library taken from the jar on the class path,
 * never from the network ({@code ai.djl.offline=true}).
 */
public final class Engine {
    private Engine() {
    }

    static {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("ai.djl.default_engine", "PyTorch");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    public static NDManager newManager() {
        return NDManager.newBaseManager("PyTorch");
    }
}
