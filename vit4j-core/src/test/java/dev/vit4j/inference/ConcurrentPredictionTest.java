package dev.vit4j.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One loaded model used from 8 threads at once, each predicting the fixture images in its own random order
 * many times: every answer equals the sequential one (same classes, probabilities within 1e-6), on both
 * engines. {@code -Dvit4j.concurrent.rounds=N} makes it a longer run.
 */
class ConcurrentPredictionTest {
    private static final List<String> IMAGES =
            List.of("small.png", "odd.jpg", "gray.png", "alpha.png", "landscape.png", "portrait.png");

    @ParameterizedTest
    @ValueSource(strings = {"torch", "onnx"})
    void eightThreadsGiveTheSequentialAnswers(String engineName) throws Exception {
        int rounds = Integer.getInteger("vit4j.concurrent.rounds", 25);
        try (LoadedModel m = LoadedModel.load(
                        Fixtures.path("cait_micro/config.json").toString(),
                        Fixtures.path("cait_micro/model.safetensors"));
                InferenceEngine engine = engineName.equals("onnx") ? new OnnxEngine(m, 1) : new TorchEngine(m)) {
            ModelPipeline pipeline = ModelPipeline.over(m, engine);
            List<Path> images =
                    IMAGES.stream().map(n -> Fixtures.path("images/" + n)).toList();
            List<List<Prediction>> expected = new ArrayList<>();
            for (Path image : images) {
                expected.add(top5(pipeline, image));
            }
            long rssBefore = MemoryStabilityTest.residentKb();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    long seed = t;
                    futures.add(pool.submit(() -> {
                        List<Integer> order = new ArrayList<>();
                        for (int i = 0; i < images.size(); i++) {
                            order.add(i);
                        }
                        Random r = new Random(seed);
                        int checked = 0;
                        for (int round = 0; round < rounds; round++) {
                            Collections.shuffle(order, r);
                            for (int i : order) {
                                List<Prediction> got = top5(pipeline, images.get(i));
                                assertSame(expected.get(i), got, images.get(i));
                                checked++;
                            }
                        }
                        return checked;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : futures) {
                    total += f.get();
                }
                assertEquals(8 * rounds * images.size(), total);
                System.out.printf(
                        "[concurrent] %s: %d predictions from 8 threads, all equal to the sequential ones;"
                                + " RSS %d → %d MB%n",
                        engineName, total, rssBefore >> 10, MemoryStabilityTest.residentKb() >> 10);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void assertSame(List<Prediction> expected, List<Prediction> got, Path image) {
        assertEquals(expected.size(), got.size());
        for (int k = 0; k < expected.size(); k++) {
            assertEquals(expected.get(k).index(), got.get(k).index(), image + " rank " + k);
            assertTrue(Math.abs(expected.get(k).probability() - got.get(k).probability()) < 1e-6, image + " rank " + k);
        }
    }

    private static List<Prediction> top5(ModelPipeline pipeline, Path image) {
        return pipeline.topK(
                pipeline.run(List.of(pipeline.prepare(image)), false).get(0).logits(), 5);
    }
}
