package dev.vit4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.data.Dataset;
import dev.vit4j.data.ShapesDataset;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.cait.CaitOptions;
import dev.vit4j.models.perceiver.PerceiverOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop on a tiny CaiT and a tiny slice of the shapes set: seconds each. */
class TrainerTest {
    @TempDir
    Path dir;

    static ModelConfig tinyCait() {
        ModelConfig c = new ModelConfig();
        c.arch = "cait";
        c.name = "tiny_cait";
        c.imgSize = new int[] {16, 16};
        c.patchSize = 4;
        c.embedDim = 32;
        c.depth = 1;
        c.numHeads = 2;
        c.mlpRatio = 2;
        c.withOptions(new CaitOptions(1, 2, "timm"));
        c.initValues = 0.1;
        c.numClasses = ShapesDataset.CLASSES.size();
        c.dropPathRate = 0.1;
        return c;
    }

    static TrainConfig quick(int epochs) {
        TrainConfig t = new TrainConfig();
        t.epochs = epochs;
        t.batchSize = 32;
        t.lr = 3e-3;
        t.warmupEpochs = 0.5;
        t.seed = 7;
        t.augmentation.flip = 0.5;
        t.augmentation.padCrop = 1;
        return t;
    }

    static Dataset train(int n) {
        return new ShapesDataset(16, n, 11, "tiny shapes");
    }

    static Dataset val() {
        return new ShapesDataset(16, 64, 12, "tiny shapes val");
    }

    @Test
    void lossDecreasesOnATinySet() throws IOException {
        TrainConfig t = quick(25);
        t.batchSize = 8;
        t.lr = 1e-2;
        t.weightDecay = 0;
        t.labelSmoothing = 0;
        t.augmentation = dev.vit4j.data.Augmentation.none();
        ModelConfig c = tinyCait();
        c.dropPathRate = 0;
        TrainerState s = new Trainer(t, c, train(32), val(), dir, new TrainingListener() {}).run();
        List<EpochRecord> h = s.history;
        assertEquals(25, h.size());
        assertTrue(
                h.get(24).trainLoss() < 0.5 * h.get(0).trainLoss(),
                "loss " + h.get(0).trainLoss() + " → " + h.get(24).trainLoss());
        assertTrue(
                h.get(24).trainTop1() > 0.8, "memorises 32 images: " + h.get(24).trainTop1());
        assertTrue(Files.isRegularFile(dir.resolve("history.csv")));
        assertTrue(Files.isRegularFile(dir.resolve("learning_curves.png")));
        assertTrue(Files.isRegularFile(dir.resolve("best/model.safetensors")));
        assertEquals(26, Files.readAllLines(dir.resolve("history.csv")).size());
    }

    @Test
    void aSpentTimeBudgetEndsTheRun() throws IOException {
        TrainConfig t = quick(5);
        t.timeBudgetMinutes = 1e-6;
        List<String> messages = new java.util.ArrayList<>();
        TrainerState s = new Trainer(t, tinyCait(), train(32), null, dir, new TrainingListener() {
                    @Override
                    public void message(String text) {
                        messages.add(text);
                    }
                })
                .run();
        assertEquals(1, s.history.size(), "the first epoch alone outlasts a 60 µs budget");
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("time budget: 1 epochs")), messages.toString());
    }

    @Test
    void resumeAfterACrashEqualsAnUninterruptedRun() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        new Trainer(quick(3), tinyCait(), train(96), val(), a, new TrainingListener() {}).run();
        TrainingListener crashAfterEpoch2 = new TrainingListener() {
            @Override
            public void epoch(EpochRecord r, boolean best) {
                if (r.epoch() == 2) {
                    throw new IllegalStateException("simulated crash");
                }
            }
        };
        assertThrows(
                IllegalStateException.class,
                () -> new Trainer(quick(3), tinyCait(), train(96), val(), b, crashAfterEpoch2).run());
        TrainerState resumed =
                new Trainer(quick(3), tinyCait(), train(96), val(), b, new TrainingListener() {}).resume();
        assertEquals(3, resumed.epochsDone);
        assertArrayEquals(
                Files.readAllBytes(a.resolve("last/model.safetensors")),
                Files.readAllBytes(b.resolve("last/model.safetensors")),
                "same weights, bit for bit");
        assertArrayEquals(
                Files.readAllBytes(a.resolve("last/optimizer.safetensors")),
                Files.readAllBytes(b.resolve("last/optimizer.safetensors")));
        assertEquals(
                Files.readString(a.resolve("history.csv")).replaceAll(",[0-9.]+\n", "\n"),
                Files.readString(b.resolve("history.csv")).replaceAll(",[0-9.]+\n", "\n"),
                "same history but timings");
    }

    @Test
    void earlyStoppingRestoresTheBestWeights() throws IOException {
        TrainConfig t = quick(12);
        t.lr = 0.05;
        t.optimizer = "sgd";
        t.weightDecay = 0;
        t.schedule = "constant";
        t.earlyStoppingPatience = 2;
        t.monitor = "val_top1";
        TrainerState s = new Trainer(t, tinyCait(), train(64), val(), dir, new TrainingListener() {}).run();
        assertTrue(s.stoppedEarly, "stopped early: " + s.history);
        assertTrue(s.bestEpoch < s.epochsDone);
        double best = s.history.stream().mapToDouble(EpochRecord::valTop1).max().orElseThrow();
        assertEquals(best, s.history.get(s.bestEpoch - 1).valTop1(), 0);
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("best/model.safetensors")),
                Files.readAllBytes(dir.resolve("last/model.safetensors")),
                "the run ends holding the best weights");
    }

    @Test
    void aPerceiverTrainsOnCifarFormatDataWithTheSeedsRecipe() throws IOException {
        // CIFAR-10 binary records (label byte + 3×32×32 planes): class 0 bright on top, class 1 bright below.
        Path data = dir.resolve("cifar");
        Files.createDirectories(data);
        Random r = new Random(3);
        for (String file : new String[] {
            "data_batch_1.bin",
            "data_batch_2.bin",
            "data_batch_3.bin",
            "data_batch_4.bin",
            "data_batch_5.bin",
            "test_batch.bin"
        }) {
            byte[] records = new byte[24 * 3073];
            for (int i = 0; i < 24; i++) {
                int label = i % 2;
                records[i * 3073] = (byte) label;
                for (int p = 0; p < 3 * 1024; p++) {
                    int row = (p % 1024) / 32;
                    boolean bright = (row < 16) == (label == 0);
                    records[i * 3073 + 1 + p] = (byte) ((bright ? 170 : 40) + r.nextInt(40));
                }
            }
            Files.write(data.resolve(file), records);
        }
        ModelConfig c = new ModelConfig();
        c.arch = "perceiver";
        c.name = "tiny_perceiver";
        c.imgSize = new int[] {16, 16};
        c.patchSize = 2;
        c.embedDim = 32;
        c.withOptions(PerceiverOptions.DEFAULTS.withLatents(8, 1, 2));
        c.numHeads = 2;
        c.depth = 1;
        c.mlpRatio = 1;
        c.numClasses = 10;
        c.globalPool = "avg";
        TrainConfig t = quick(6);
        t.batchSize = 16;
        t.lr = 0.02;
        t.optimizer = "lamb";
        t.schedule = "plateau";
        t.earlyStoppingPatience = 3;
        t.augmentation = dev.vit4j.data.Augmentation.kerasPerceiverExample();
        Dataset train = dev.vit4j.data.DatasetSpec.open("cifar10:" + data, dev.vit4j.data.DatasetSpec.Split.TRAIN);
        Dataset test = dev.vit4j.data.DatasetSpec.open("cifar10:" + data, dev.vit4j.data.DatasetSpec.Split.TEST);
        TrainerState s = new Trainer(t, c, train, test, dir.resolve("run"), new TrainingListener() {}).run();
        EpochRecord last = s.history.get(s.history.size() - 1);
        assertTrue(last.valTop1() > 0.9, "learns top versus bottom: " + s.history);
        assertEquals(1.0, last.valTop5(), 1e-9);
        try (dev.vit4j.inference.LoadedModel m =
                dev.vit4j.inference.LoadedModel.load((String) null, dir.resolve("run/best"))) {
            assertTrue(m.model() instanceof dev.vit4j.models.perceiver.Perceiver);
        }
    }
}
