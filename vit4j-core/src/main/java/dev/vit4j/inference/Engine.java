package dev.vit4j.inference;

import ai.djl.ndarray.NDManager;

/**
 * The tensor engine vit4j runs on: DJL with PyTorch's CPU library, which DJL extracts from the
 * {@code pytorch-native-cpu} jar on the class path. The engine is named on every call rather than made the JVM's
 * default, so that an application's own DJL settings stay its own; the CLI also sets {@code ai.djl.offline=true}, which
 * a library user may set too to make sure DJL never looks for a native library on the network.
 */
public final class Engine {
    private Engine() {}

    public static NDManager newManager() {
        return NDManager.newBaseManager("PyTorch");
    }
}
