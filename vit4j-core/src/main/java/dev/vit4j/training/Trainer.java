package dev.vit4j.training;

import ai.djl.engine.Engine;
import dev.vit4j.Vit4jException;
import dev.vit4j.data.BatchLoader;
import dev.vit4j.data.Dataset;
import dev.vit4j.data.Normalization;
import dev.vit4j.data.Pipelines;
import dev.vit4j.data.Shuffle;
import dev.vit4j.image.DataConfig;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.inference.TorchEngine;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.io.Directories;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.VisionModel;
import dev.vit4j.models.WeightLoader;
import dev.vit4j.viz.TrainingPlots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop: seeded and deterministic, data loaded in parallel with the model, metrics each
 * epoch, {@code history.csv} and {@code learning_curves.png}, atomic {@code last/} and {@code best/}
 * checkpoints, and resume that continues to the same result as an uninterrupted run (every epoch starts
 * from RNG states derived from the seed and the epoch number alone).
 */
public final class Trainer {
    private TrainConfig train;
    private final ModelConfig modelConfig;
    private final Dataset trainData;
    private final Dataset valData;
    private final Path out;
    private final TrainingListener listener;

    public Trainer(
            TrainConfig train,
            ModelConfig modelConfig,
            Dataset trainData,
            Dataset valData,
            Path out,
            TrainingListener listener) {
        this.train = train.validate();
        this.modelConfig = modelConfig.copy().validate();
        this.trainData = trainData;
        this.valData = valData;
        this.out = out;
        this.listener = listener;
        if (trainData.classes().size() != modelConfig.numClasses && "ce".equals(train.loss)) {
            throw Vit4jException.naming(
                    "%s has %s classes but the model %s has %s outputs: give {numClasses} %s for a new head of that"
                            + " many (pretrained weights keep everything but their head)",
                    trainData.describe(),
                    trainData.classes().size(),
                    modelConfig.name,
                    modelConfig.numClasses,
                    trainData.classes().size());
        }
    }

    /**
     * Trains from scratch into the output directory; one that holds an earlier run is refused (continue it with
     * {@link #resume}, replace it with {@link #overwrite}). Returns the final state.
     */
    public TrainerState run() throws IOException {
        return start(false, false);
    }

    /** Continues the run in the output directory from its last checkpoint (from scratch if there is none). */
    public TrainerState resume() throws IOException {
        return start(true, false);
    }

    /** Trains from scratch, first removing the checkpoints, history and curves of an earlier run in the directory. */
    public TrainerState overwrite() throws IOException {
        return start(false, true);
    }

    /** The files and folders a run writes into its directory. */
    private static final List<String> RUN_FILES = List.of(
            "last", "best", "last.tmp", "last.old", "best.tmp", "best.old", "history.csv", "learning_curves.png");

    private TrainerState start(boolean resume, boolean overwrite) throws IOException {
        Files.createDirectories(out);
        try (RunDirectoryLock lock = RunDirectoryLock.acquire(out)) {
            if (!resume && (Files.exists(out.resolve("history.csv")) || Files.exists(out.resolve("last")))) {
                if (!overwrite) {
                    throw Vit4jException.naming(
                            "%s holds an earlier training run: continue it with {resume}, or replace it with"
                                    + " {overwrite}",
                            out);
                }
                for (String f : RUN_FILES) {
                    Directories.deleteTree(out.resolve(f));
                }
            }
            return runLocked(resume);
        }
    }

    private TrainerState runLocked(boolean resume) throws IOException {
        AtomicFiles.deleteLeftovers(out);
        TrainerState state;
        LoadedModel loaded;
        Optimizer optimizer = Optimizer.create(train.optimizer, train.weightDecay, train.momentum);
        Path last = Checkpoint.complete(out.resolve("last"));
        if (resume && last != null) {
            state = Checkpoint.readState(last);
            if (!Checkpoint.JSON.writeValueAsString(state.train).equals(Checkpoint.JSON.writeValueAsString(train))) {
                listener.message("resuming with the run's saved training configuration");
            }
            train = state.train.validate();
            optimizer = Optimizer.create(train.optimizer, train.weightDecay, train.momentum);
            loaded = LoadedModel.load((String) null, last);
            optimizer.loadState(Checkpoint.readOptimizer(last), loaded.model().namedParameters());
            listener.message("resuming from " + last + " after epoch " + state.epochsDone);
        } else {
            if (resume) {
                listener.message("nothing to resume in " + out + ": starting from scratch");
            }
            state = new TrainerState();
            state.train = train;
            ModelConfig config = modelConfig.copy();
            config.labels = trainData.classes();
            config.dataConfig = dataConfig(config);
            if (train.schedule.equals("plateau")) {
                state.plateau = new ReduceLrOnPlateau(
                        train.plateauFactor, train.plateauPatience, 1e-4, 0, train.monitor.equals("val_top1"));
            }
            if (train.earlyStoppingPatience > 0) {
                state.earlyStopping =
                        new EarlyStopping(train.earlyStoppingPatience, 1e-4, train.monitor.equals("val_top1"));
            }
            Engine.getEngine("PyTorch").setRandomSeed((int) train.seed);
            loaded = LoadedModel.initialized(config, train.seed);
            if (train.initWeights != null) {
                WeightLoader.load(loaded.model(), Path.of(train.initWeights), loaded.manager(), true);
                listener.message("starting from " + train.initWeights);
            }
        }
        if (train.layerDecay > 0) {
            optimizer.setLrScales(LayerDecay.scales(loaded.model(), train.layerDecay));
        }
        try (LoadedModel model = loaded) {
            return loop(model, optimizer, state);
        }
    }

    private DataConfig dataConfig(ModelConfig config) {
        DataConfig base = config.resolvedDataConfig();
        if (train.normalize.equals("model")) {
            return base;
        }
        double[][] ms = Normalization.adapt(trainData, config.inChans, 5000);
        listener.message(String.format(
                java.util.Locale.ROOT,
                "normalization adapted on %s: mean %s std %s",
                trainData.describe(),
                java.util.Arrays.toString(round(ms[0])),
                java.util.Arrays.toString(round(ms[1]))));
        return new DataConfig(base.inputSize(), base.interpolation(), 1.0, ms[0], ms[1]);
    }

    private static double[] round(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = Math.round(a[i] * 1e4) / 1e4;
        }
        return r;
    }

    private TrainerState loop(LoadedModel loaded, Optimizer optimizer, TrainerState state) throws IOException {
        VisionModel model = loaded.model();
        ModelConfig config = model.config();
        DataConfig data = config.resolvedDataConfig();
        TrainStep step = new TrainStep(loaded, optimizer, train);
        int inputSize = config.inChans * config.height() * config.width();
        long stepsPerEpoch = ((long) trainData.size() + train.batchSize - 1) / train.batchSize;
        Dataset val = valData == null ? null : dev.vit4j.data.Subset.limit(valData, train.valLimit);
        ModelPipeline validation = ModelPipeline.over(loaded, new TorchEngine(loaded));
        try (BatchLoader trainLoader = new BatchLoader(
                        trainData,
                        Pipelines.train(config, data, train.augmentation),
                        train.batchSize,
                        inputSize,
                        train.loaderThreads,
                        listener::message);
                BatchLoader valLoader = val == null
                        ? null
                        : validation.examples(val, train.batchSize, train.loaderThreads, listener::message)) {
            if (!state.history.isEmpty()) {
                // A crash can come between last/ and history.csv: the checkpoint's own history is the one to show.
                writeHistory(config.name, state);
            }
            int planned = plannedEpochs(state);
            for (int epoch = state.epochsDone; epoch < planned && !state.stoppedEarly; epoch++) {
                if (listener.stopRequested()) {
                    state.interrupted = true;
                    break;
                }
                long t0 = System.nanoTime();
                LearningRateSchedule schedule = new LearningRateSchedule(
                        train.lr,
                        train.minLr,
                        train.warmupLr,
                        Math.round(train.warmupEpochs * stepsPerEpoch),
                        train.schedule.equals("cosine") ? planned * stepsPerEpoch : Long.MAX_VALUE / 4);
                Engine.getEngine("PyTorch").setRandomSeed((int) mix(train.seed, epoch));
                int[] order = Shuffle.permutation(trainData.size(), mix(train.seed, epoch));
                Metrics metrics = new Metrics(config.numClasses, false);
                final int ep = epoch;
                final long[] done = {0};
                double[] lastLr = {0};
                listener.epochStarted(epoch, stepsPerEpoch);
                try {
                    trainLoader.forEach(order, train.seed, epoch, batch -> {
                        double lr = schedule.at(state.globalStep) * (state.plateau == null ? 1 : state.plateau.scale());
                        lastLr[0] = lr;
                        TrainStep.Result r = step.run(batch.inputs(), batch.labels(), lr);
                        if ("ce".equals(train.loss)) {
                            metrics.add(r.logits(), batch.labels(), r.loss());
                        }
                        state.globalStep++;
                        done[0]++;
                        listener.batch(ep, done[0], stepsPerEpoch, metrics.loss());
                        if (listener.stopRequested()) {
                            throw new StopRequested();
                        }
                    });
                } catch (StopRequested stop) {
                    state.interrupted = true;
                    break;
                }
                Evaluation v = val == null ? null : Evaluator.evaluate(validation, valLoader, val, false);
                EpochRecord rec = new EpochRecord(
                        epoch + 1,
                        lastLr[0],
                        metrics.loss(),
                        metrics.top1(),
                        metrics.top5(),
                        v == null ? Double.NaN : v.loss(),
                        v == null ? Double.NaN : v.top1(),
                        v == null ? Double.NaN : v.top5(),
                        (System.nanoTime() - t0) / 1e9);
                state.history.add(rec);
                state.epochsDone = epoch + 1;
                double monitored = monitored(rec);
                boolean best = state.bestEpoch < 0 || better(monitored, state.bestMetric);
                if (best) {
                    state.bestMetric = monitored;
                    state.bestEpoch = epoch + 1;
                    Checkpoint.write(out.resolve("best"), config, model, null, null);
                }
                if (state.plateau != null && state.plateau.observe(monitored, lastLr[0], train.minLr)) {
                    listener.message("plateau: learning rate × " + train.plateauFactor);
                }
                if (state.earlyStopping != null && state.earlyStopping.observe(epoch + 1, monitored)) {
                    state.stoppedEarly = true;
                    listener.message(
                            "early stopping after epoch " + (epoch + 1) + "; best was epoch " + state.bestEpoch);
                }
                Checkpoint.write(out.resolve("last"), config, model, optimizer, state);
                writeHistory(config.name, state);
                listener.epoch(rec, best);
                int replanned = plannedEpochs(state);
                if (replanned != planned) {
                    listener.message(String.format(
                            java.util.Locale.ROOT,
                            "time budget: %d epochs in all fit in %.1f min (%.1f min spent)",
                            replanned,
                            train.timeBudgetMinutes,
                            state.history.stream()
                                            .mapToDouble(EpochRecord::seconds)
                                            .sum()
                                    / 60));
                    planned = replanned;
                }
            }
        }
        if (state.stoppedEarly && state.bestEpoch > 0) {
            // Keras' restore_best_weights: the run ends holding the best weights, and last/ says so.
            restoreBest(loaded, state.bestEpoch);
            Checkpoint.write(out.resolve("last"), config, model, optimizer, state);
        }
        return state;
    }

    /** {@link TrainConfig#epochs}, or as many as the time budget holds ({@link TimeBudget}). */
    private int plannedEpochs(TrainerState state) {
        return train.timeBudgetMinutes > 0
                ? TimeBudget.plannedEpochs(state.history, train.timeBudgetMinutes * 60, train.epochs)
                : train.epochs;
    }

    private void restoreBest(LoadedModel loaded, int bestEpoch) {
        Path best = Checkpoint.complete(out.resolve("best"));
        if (best != null) {
            WeightLoader.load(loaded.model(), best.resolve("model.safetensors"), loaded.manager());
            listener.message("restored the best weights (epoch " + bestEpoch + ")");
        }
    }

    private double monitored(EpochRecord r) {
        boolean top1 = train.monitor.equals("val_top1");
        double v = top1 ? r.valTop1() : r.valLoss();
        if (Double.isNaN(v)) {
            v = top1 ? r.trainTop1() : r.trainLoss();
        }
        return v;
    }

    private boolean better(double value, double best) {
        if (Double.isNaN(best)) {
            return true;
        }
        return train.monitor.equals("val_top1") ? value > best : value < best;
    }

    private void writeHistory(String name, TrainerState state) throws IOException {
        StringBuilder csv = new StringBuilder(EpochRecord.CSV_HEADER).append('\n');
        for (EpochRecord r : state.history) {
            csv.append(r.csv()).append('\n');
        }
        AtomicFiles.writeString(out.resolve("history.csv"), csv.toString());
        List<EpochRecord> h = state.history;
        Map<String, double[]> loss = new LinkedHashMap<>();
        loss.put("train", h.stream().mapToDouble(EpochRecord::trainLoss).toArray());
        loss.put("validation", h.stream().mapToDouble(EpochRecord::valLoss).toArray());
        Map<String, double[]> accuracy = new LinkedHashMap<>();
        accuracy.put(
                "train top-1", h.stream().mapToDouble(EpochRecord::trainTop1).toArray());
        accuracy.put(
                "validation top-1", h.stream().mapToDouble(EpochRecord::valTop1).toArray());
        accuracy.put(
                "validation top-5", h.stream().mapToDouble(EpochRecord::valTop5).toArray());
        TrainingPlots.learningCurves(
                name,
                h.stream().mapToInt(EpochRecord::epoch).toArray(),
                loss,
                accuracy,
                out.resolve("learning_curves.png"));
    }

    /** Unwinds the data loader from inside its callback when the listener asks the run to stop. */
    private static final class StopRequested extends RuntimeException {
        StopRequested() {
            super(null, null, false, false);
        }
    }

    static long mix(long seed, int epoch) {
        long z = seed * 0x9E3779B97F4A7C15L + (epoch + 1) * 0xD1B54A32D192ED03L;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return (z ^ (z >>> 29)) & 0x7fffffffL;
    }
}
