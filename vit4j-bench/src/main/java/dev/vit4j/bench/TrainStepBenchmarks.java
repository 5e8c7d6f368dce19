package dev.vit4j.bench;

import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.training.Optimizer;
import dev.vit4j.training.TrainConfig;
import dev.vit4j.training.TrainStep;
import java.nio.file.Path;
import java.util.Random;
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
 * One training step of the DJL path (forward, cross-entropy, backward, clipping, AdamW), as
 * {@code vit4j train} runs it, on the Fashion-MNIST CaiT of {@code configs/cait_fmnist.json} at batch 128.
 * Run from the repository root:
 * {@code java -jar vit4j-bench/target/vit4j-benchmarks.jar TrainStep -f 1 -wi 5 -i 10}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class TrainStepBenchmarks {
    @Param({"configs/cait_fmnist.json"})
    String config;

    @Param({"128"})
    int batch;

    LoadedModel model;
    TrainStep step;
    float[] inputs;
    int[] labels;

    @Setup
    public void setUp() {
        ModelConfig c = Configs.read(Path.of(config));
        model = LoadedModel.initialized(c, 1);
        step = new TrainStep(model, Optimizer.create("adamw", 0.05, 0.9), new TrainConfig());
        Random r = new Random(1);
        inputs = new float[batch * c.inChans * c.height() * c.width()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (float) r.nextGaussian();
        }
        labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = r.nextInt(c.numClasses);
        }
    }

    @TearDown
    public void tearDown() {
        model.close();
    }

    @Benchmark
    public float trainStep() {
        return step.run(inputs, labels, 1e-4).loss();
    }
}
