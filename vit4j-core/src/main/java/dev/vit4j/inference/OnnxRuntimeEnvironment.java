package dev.vit4j.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

/**
 * The process's ONNX Runtime environment, with one intra-op thread pool (a thread per core) that every
 * session shares. With a pool per session, a session's workers keep spinning after its run and take the
 * cores from the next session's run: two sessions in one process (plain and with attention outputs, or a
 * benchmark's engine and anchor, run alternately) slowed DeiT-Ti at batch 1 from 13.9 to 20.7 ms per run on
 * 2 cores. With the shared pool each ran as fast as alone (13.3 ms).
 *
 * <p>Its threads do not spin-wait for work between operations (ONNX Runtime's default is to spin): spinning took the
 * cores from whatever else the process does beside the engine — decoding the next images, answering HTTP — for no gain
 * to the engine itself ({@code vit4j bench} DeiT-Ti b1/b8 unchanged within noise; {@code vit4j serve} with one
 * two-thread worker: server CPU per request 34–43 instead of 46–53 ms at concurrency 8, p50 with one client 26–28
 * instead of 32 ms; docs/serving.md).
 */
public final class OnnxRuntimeEnvironment {
    private static final int SHARED_THREADS = Runtime.getRuntime().availableProcessors();
    private static final OrtEnvironment ENV;
    private static final boolean SHARED_POOL;

    static {
        OrtEnvironment env;
        boolean shared;
        try (OrtEnvironment.ThreadingOptions t = new OrtEnvironment.ThreadingOptions()) {
            t.setGlobalIntraOpNumThreads(SHARED_THREADS);
            t.setGlobalSpinControl(false);
            t.setGlobalInterOpNumThreads(1);
            env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "vit4j", t);
            shared = true;
        } catch (IllegalStateException | OrtException e) {
            // someone in this process created the environment first: sessions then get their own pools
            env = OrtEnvironment.getEnvironment();
            shared = false;
        }
        ENV = env;
        SHARED_POOL = shared;
    }

    private OnnxRuntimeEnvironment() {}

    public static OrtEnvironment get() {
        return ENV;
    }

    /**
     * Session options vit4j uses everywhere (also for the anchors in benchmarks): all graph optimizations,
     * sequential execution, and the shared pool, unless {@code threads} asks for another size than one
     * thread per core (then a pool of that size for this session).
     */
    public static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        int n = threads > 0 ? threads : SHARED_THREADS;
        if (SHARED_POOL && n == SHARED_THREADS) {
            o.disablePerSessionThreads();
        } else {
            o.setIntraOpNumThreads(n);
            o.setInterOpNumThreads(1);
            o.addConfigEntry("session.intra_op.allow_spinning", "0"); // as the shared pool: see the class comment
        }
        return o;
    }
}
