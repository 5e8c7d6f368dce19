package dev.vit4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.inference.Engine;
import dev.vit4j.models.cait.TalkingHeadsAttention;
import dev.vit4j.nn.Attention;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.LayerNorm;
import dev.vit4j.nn.Mlp;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot layers of a DeiT-Ti / CaiT-XXS block on the DJL path, at their real sizes (197 or 196 tokens,
 * 192 channels, 3 or 4 heads), one scoped forward pass per invocation.
 * {@code java -jar vit4j-bench/target/vit4j-benchmarks.jar -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LayerBenchmarks {
    @Param({"1", "8"})
    int batch;

    NDManager manager;
    NDArray tokens;
    Attention attention;
    TalkingHeadsAttention talkingHeads;
    Mlp mlp;
    LayerNorm norm;

    @Setup
    public void setUp() {
        manager = Engine.newManager();
        tokens = manager.randomNormal(new Shape(batch, 197, 192));
        attention = new Attention(192, 3, true, 0, 0);
        attention.initialize(manager, 1);
        talkingHeads = new TalkingHeadsAttention(192, 4, true, 0, 0);
        talkingHeads.initialize(manager, 2);
        mlp = new Mlp(192, 768, 0);
        mlp.initialize(manager, 3);
        norm = new LayerNorm(192, 1e-6);
        norm.initialize(manager, 4);
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public float attention() {
        try (NDScope scope = new NDScope()) {
            return attention.forward(tokens, ForwardContext.inference()).getFloat(0, 0, 0);
        }
    }

    @Benchmark
    public float talkingHeadsAttention() {
        try (NDScope scope = new NDScope()) {
            return talkingHeads.forward(tokens, ForwardContext.inference()).getFloat(0, 0, 0);
        }
    }

    @Benchmark
    public float mlp() {
        try (NDScope scope = new NDScope()) {
            return mlp.forward(tokens, ForwardContext.inference()).getFloat(0, 0, 0);
        }
    }

    @Benchmark
    public float layerNorm() {
        try (NDScope scope = new NDScope()) {
            return norm.forward(tokens).getFloat(0, 0, 0);
        }
    }
}
