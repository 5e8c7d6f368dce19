package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.data.Augmentation;
import dev.vit4j.data.Dataset;
import dev.vit4j.data.DatasetSpec;
import dev.vit4j.hub.HubModels;
import dev.vit4j.hub.RepoRef;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.training.EpochRecord;
import dev.vit4j.training.TrainConfig;
import dev.vit4j.training.Trainer;
import dev.vit4j.training.TrainerState;
import dev.vit4j.training.TrainingListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "train",
        description = "Train a model: checkpoints in DIR/last and DIR/best, history.csv, learning_curves.png.")
final class TrainCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            paramLabel = "MODEL",
            description = "Architecture name (see `vit4j models`), config .json or Hub name. Default: none (give it, or"
                    + " --config).")
    String model;

    @Option(
            names = "--pretrained",
            description = "Start from timm's pretrained weights for --model ARCH[.TAG] "
                    + "(a Hub name such as timm/deit_tiny_patch16_224.fb_in1k implies it).")
    boolean pretrained;

    @Option(
            names = "--init",
            paramLabel = "WEIGHTS",
            description = "Start from these weights (any format -w takes). Default: none (random initialisation, or the"
                    + " pretrained weights of --pretrained or a Hub name).")
    Path init;

    @Option(
            names = "--num-classes",
            description = "Classes of the new head; a pretrained head of another size is replaced, as timm's"
                    + " reset_classifier. Default: the data's.")
    Integer numClasses;

    @Option(
            names = "--img-size",
            paramLabel = "SIZE|HxW",
            converter = ImageSize.Converter.class,
            description = "Train at this input size (e.g. 224 or 224x336); pretrained position tables are resampled."
                    + " Default: the model's own.")
    ImageSize imgSize;

    @Option(
            names = "--layer-decay",
            defaultValue = "0",
            description = "Layer-wise lr decay (e.g. 0.75, as timm and BEiT); 0 = off.")
    double layerDecay;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Model config .json (the same as -m FILE). Default: none.")
    Path config;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "SPEC",
            description = "Training data: fashion-mnist[:DIR], mnist:DIR, cifar10:DIR, "
                    + "cifar100:DIR, folder:DIR, shapes[:SIZE[:COUNT]].")
    String data;

    @Option(
            names = "--val",
            paramLabel = "SPEC",
            description = "Validation data. Default: --data's test split (or --val-split's share).")
    String val;

    @Option(
            names = "--val-split",
            defaultValue = "0",
            description = "Hold out this share of the training data to validate on; 0: none.")
    double valSplit;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "The run's folder: last/ and best/ checkpoints, history.csv, learning_curves.png.")
    Path output;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (the most, with --time-budget).")
    int epochs;

    @Option(
            names = "--time-budget",
            defaultValue = "0",
            paramLabel = "MINUTES",
            description = "Fit the epochs "
                    + "into this many minutes: after each epoch, plan as many more as fit at the median epoch time, and "
                    + "stretch the cosine schedule over them; 0: off.")
    double timeBudget;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "64",
            description = "Examples per training step.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (after the warm-up).")
    double lr;

    @Option(names = "--min-lr", defaultValue = "1e-5", description = "Where the cosine schedule ends.")
    double minLr;

    @Option(
            names = "--warmup-epochs",
            defaultValue = "1",
            description = "Epochs of linear warm-up from 0 to --lr (fractions too).")
    double warmupEpochs;

    @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw, adam, lamb, sgd.")
    String optimizer;

    @Option(
            names = "--weight-decay",
            defaultValue = "0.05",
            description = "Decoupled weight decay (AdamW, LAMB); L2 for SGD. Not on norms, biases and positions.")
    double weightDecay;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum.")
    double momentum;

    @Option(names = "--label-smoothing", defaultValue = "0.1", description = "Label smoothing of the cross-entropy.")
    double labelSmoothing;

    @Option(names = "--clip-grad", defaultValue = "1.0", description = "Global gradient-norm limit; 0 = off.")
    double clipGrad;

    @Option(
            names = "--schedule",
            defaultValue = "cosine",
            description = "cosine, plateau (ReduceLROnPlateau), constant.")
    String schedule;

    @Option(
            names = "--plateau-patience",
            defaultValue = "2",
            description = "--schedule plateau: epochs without improvement before the rate drops.")
    int plateauPatience;

    @Option(
            names = "--plateau-factor",
            defaultValue = "0.5",
            description = "--schedule plateau: what the rate is multiplied by when it drops.")
    double plateauFactor;

    @Option(
            names = "--early-stopping",
            defaultValue = "0",
            description = "Patience in epochs; 0 = off. Restores the best weights.")
    int earlyStopping;

    @Option(names = "--monitor", defaultValue = "val_loss", description = "val_loss or val_top1.")
    String monitor;

    @Option(names = "--drop-path", description = "Stochastic depth rate. Default: the model config's.")
    Double dropPath;

    @Option(names = "--drop", description = "Dropout rate. Default: the model config's.")
    Double drop;

    @Option(names = "--flip", defaultValue = "0", description = "Horizontal flip probability.")
    double flip;

    @Option(names = "--zoom", defaultValue = "0", description = "Random zoom factor (Keras RandomZoom).")
    double zoom;

    @Option(
            names = "--crop-scale",
            defaultValue = "0",
            description = "Random resized crop: smallest area share; 0 = off.")
    double cropScale;

    @Option(names = "--pad-crop", defaultValue = "0", description = "Pad by N pixels and crop back at random; 0 = off.")
    int padCrop;

    @Option(
            names = "--random-erase",
            defaultValue = "0",
            description = "Random erasing probability (timm, pixel mode); 0 = off.")
    double randomErase;

    @Option(
            names = "--input-norm",
            description = "The inputs' mean and std: adapt (from the training data) or model (the model's); "
                    + "default: model when starting from pretrained weights, else adapt.")
    String normalize;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the initial weights, the shuffling and the augmentation (a run repeats exactly).")
    long seed;

    @Option(names = "--limit", defaultValue = "0", description = "Use only the first N training examples; 0: all.")
    int limit;

    @Option(
            names = "--val-limit",
            defaultValue = "0",
            description = "Validate on at most N examples per epoch; 0: all.")
    int valLimit;

    @Option(
            names = "--loader-threads",
            defaultValue = "2",
            description = "Threads preparing batches (decoding, augmenting) while the step runs.")
    int loaderThreads;

    @Option(names = "--resume", description = "Continue the run in the output directory from its last checkpoint.")
    boolean resume;

    @Option(
            names = "--overwrite",
            description = "Replace an earlier run in the output directory (without it, or --resume, one is refused).")
    boolean overwrite;

    @Override
    public Integer call() throws IOException {
        if (model == null && config == null) {
            throw new Vit4jException("give the model with --model NAME or --config FILE");
        }
        if (resume && overwrite) {
            throw new Vit4jException("give --resume (continue the run) or --overwrite (replace it), not both");
        }
        OutputFiles.folder(output, "-o");
        TrainConfig tc = trainConfig();
        ModelConfig mc = modelConfig(tc);
        if (dropPath != null) {
            mc.dropPathRate = dropPath;
        }
        if (drop != null) {
            mc.dropRate = drop;
        }
        DatasetSpec.TrainingData split = DatasetSpec.forTraining(data, val, valSplit, seed, limit);
        Dataset trainData = split.train();
        Dataset valData = split.validation();
        if (tc.initWeights != null || numClasses != null) {
            mc.numClasses =
                    numClasses != null ? numClasses : trainData.classes().size();
            mc.validate();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.println("training " + mc.name + " on " + trainData.describe()
                + (valData == null ? ", no validation" : ", validating on " + valData.describe()));
        TrainerState state;
        try (StopOnSignal stop = new StopOnSignal()) {
            Trainer trainer = new Trainer(tc, mc, trainData, valData, output, listener(out, err, stop::requested));
            state = resume ? trainer.resume() : overwrite ? trainer.overwrite() : trainer.run();
            if (state.interrupted) {
                err.println("vit4j: stopped by a signal; "
                        + (state.epochsDone == 0
                                ? "no epoch was finished"
                                : output.resolve("last") + " holds epoch " + state.epochsDone
                                        + " (the epoch under way is redone)"
                                        + ": continue with the same command and --resume"));
                err.flush();
                return stop.exitStatus();
            }
        }
        EpochRecord lastEpoch = state.history.isEmpty() ? null : state.history.get(state.history.size() - 1);
        if (lastEpoch != null) {
            out.printf(
                    Locale.ROOT,
                    "done: %d epochs; best epoch %d; last val top-1 %.4f%n",
                    state.epochsDone,
                    state.bestEpoch,
                    lastEpoch.valTop1());
        }
        out.println(
                "model: " + output.resolve("best") + " (also -w " + output + "); resume: " + output.resolve("last"));
        out.println("history: " + output.resolve("history.csv") + ", " + output.resolve("learning_curves.png"));
        out.flush();
        return 0;
    }

    /**
     * The architecture, and where its starting weights come from: a Hub name or --pretrained (downloaded), --init (a
     * file), else none; with --img-size, the input size changed (position tables are resampled when loading).
     */
    private ModelConfig modelConfig(TrainConfig tc) {
        ModelConfig mc;
        if (pretrained || model != null && RepoRef.looksLike(model) && config == null) {
            ModelOptions hub = new ModelOptions();
            hub.model = model;
            hub.pretrained = pretrained;
            HubModels.Resolved r = hub.resolve(spec.commandLine().getErr());
            mc = r.config();
            tc.initWeights = r.weights().toString();
        } else {
            mc = ModelRegistry.defaults().config(config != null ? config.toString() : model);
        }
        if (init != null) {
            if (tc.initWeights != null) {
                throw new Vit4jException("give either --init WEIGHTS or a pretrained model, not both");
            }
            if (!Files.isRegularFile(init)) {
                throw new Vit4jException("weights file not found: " + init);
            }
            tc.initWeights = init.toString();
        }
        if (normalize == null && tc.initWeights != null) {
            tc.normalize = "model"; // pretrained weights expect the statistics they were trained with
        }
        return imgSize == null ? mc : mc.atImageSize(imgSize.height(), imgSize.width());
    }

    TrainConfig trainConfig() {
        TrainConfig tc = new TrainConfig();
        tc.epochs = epochs;
        tc.batchSize = batchSize;
        tc.lr = lr;
        tc.minLr = minLr;
        tc.warmupEpochs = warmupEpochs;
        tc.warmupLr = Math.min(lr, 1e-5);
        tc.optimizer = optimizer;
        tc.weightDecay = weightDecay;
        tc.momentum = momentum;
        tc.labelSmoothing = labelSmoothing;
        tc.clipGrad = clipGrad;
        tc.schedule = schedule;
        tc.plateauFactor = plateauFactor;
        tc.plateauPatience = plateauPatience;
        tc.earlyStoppingPatience = earlyStopping;
        tc.monitor = monitor;
        tc.seed = seed;
        tc.normalize = normalize != null ? normalize : "adapt";
        tc.loaderThreads = loaderThreads;
        tc.valLimit = valLimit;
        tc.timeBudgetMinutes = timeBudget;
        tc.layerDecay = layerDecay;
        Augmentation a = new Augmentation();
        a.flip = flip;
        a.zoom = zoom;
        a.cropScale = cropScale;
        a.padCrop = padCrop;
        a.erase = randomErase;
        tc.augmentation = a;
        return tc;
    }

    static TrainingListener listener(PrintWriter out, PrintWriter err, BooleanSupplier stop) {
        return new TrainingListener() {
            Progress progress;

            @Override
            public void epochStarted(int epoch, long batches) {
                progress = Progress.start(err, "epoch " + (epoch + 1), batches, "batches");
            }

            @Override
            public void batch(int e, long done, long total, double loss) {
                progress.stepTo(done);
            }

            @Override
            public boolean stopRequested() {
                boolean stopping = stop.getAsBoolean();
                if (stopping && progress != null) {
                    progress.close();
                }
                return stopping;
            }

            @Override
            public void epoch(EpochRecord r, boolean best) {
                progress.close();
                out.printf(
                        Locale.ROOT,
                        "epoch %3d  lr %.2e  train loss %.4f top-1 %.4f  val loss %.4f top-1 %.4f top-5 %.4f"
                                + "  %.1fs%s%n",
                        r.epoch(),
                        r.lr(),
                        r.trainLoss(),
                        r.trainTop1(),
                        r.valLoss(),
                        r.valTop1(),
                        r.valTop5(),
                        r.seconds(),
                        best ? "  *best" : "");
                out.flush();
            }

            @Override
            public void message(String text) {
                err.println("vit4j: " + text);
                err.flush();
            }
        };
    }
}
