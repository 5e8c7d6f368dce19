package dev.vit4j.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.vit4j.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 2,000 predictions (image decoding, preprocessing, forward, top-k; every other one also recording
 * attention) in one process: the model's manager holds no more arrays than before, and the resident size
 * shows no trend. The resident size swings by tens of MB as the allocator and the collector work, so the
 * check is on the least-squares slope over many samples, not on two readings.
 */
class MemoryStabilityTest {
    @Test
    void twoThousandPredictionsLeaveMemoryFlat() throws IOException {
        try (LoadedModel m = LoadedModel.load(
                        Fixtures.path("vit_micro/config.json").toString(),
                        Fixtures.path("vit_micro/model.safetensors"));
                TorchEngine engine = new TorchEngine(m)) {
            ModelPipeline pipeline = ModelPipeline.over(m, engine);
            List<Path> image = List.of(Fixtures.path("images/small.png"));
            int arraysBefore = m.manager().getManagedArrays().size();
            for (int i = 0; i < 1500; i++) {
                pipeline.topK(pipeline.runAll(image, 1, false).get(0).logits(), 5);
            }
            int n = Integer.getInteger("vit4j.memory.predictions", 2000);
            int every = 50;
            double[] xs = new double[n / every];
            double[] ys = new double[n / every];
            for (int i = 0; i < n; i++) {
                pipeline.topK(pipeline.runAll(image, 1, false).get(0).logits(), 5);
                if (i % 2 == 0) {
                    ModelRunner.run(
                            m.model(),
                            m.manager(),
                            pipeline.prepare(image.get(0)).pixels(),
                            new Shape(1, 3, 32, 32),
                            true);
                }
                if (i % every == every - 1) {
                    xs[i / every] = i;
                    ys[i / every] = residentKb();
                }
            }
            assertEquals(
                    arraysBefore, m.manager().getManagedArrays().size(), "arrays left behind in the model's manager");
            double growthKb = slope(xs, ys) * 2000;
            System.out.printf(
                    "[memory] %d predictions: RSS %.0f → %.0f kB, trend %+.0f kB per 2000%n",
                    n, ys[0], ys[ys.length - 1], growthKb);
            assertTrue(growthKb < 32 * 1024, "resident size grows by " + growthKb + " kB per 2000 predictions");
        }
    }

    private static double slope(double[] x, double[] y) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i] / x.length;
            my += y[i] / y.length;
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            num += (x[i] - mx) * (y[i] - my);
            den += (x[i] - mx) * (x[i] - mx);
        }
        return num / den;
    }

    static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
