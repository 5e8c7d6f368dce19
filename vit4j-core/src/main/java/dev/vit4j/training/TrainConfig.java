package dev.vit4j.training;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vit4j.Vit4jException;
import dev.vit4j.data.Augmentation;

/** How to train: optimizer, schedule, regularisation, data handling. Saved with every checkpoint. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TrainConfig {
    public int epochs = 10;
    public int batchSize = 64;
    public double lr = 1e-3;
    public double minLr = 1e-5;
    public double warmupEpochs = 1;
    public double warmupLr = 1e-5;
    /** adamw, adam, lamb, sgd. */
    public String optimizer = "adamw";

    public double weightDecay = 0.05;
    public double momentum = 0.9;
    public double labelSmoothing = 0.1;
    /** Global gradient-norm limit; 0 = off. */
    public double clipGrad = 1.0;
    /** cosine (warm-up then cosine), plateau (warm-up then Keras ReduceLROnPlateau), constant. */
    public String schedule = "cosine";

    public double plateauFactor = 0.5;
    public int plateauPatience = 2;
    /** Epochs without improvement before stopping (restoring the best weights); 0 = off. */
    public int earlyStoppingPatience;
    /** val_loss or val_top1. */
    public String monitor = "val_loss";
    /** ce (cross-entropy) or mse (regression on the label value). */
    public String loss = "ce";

    public long seed = 42;
    public Augmentation augmentation = Augmentation.none();
    /** adapt (mean/std measured on the training data, Keras Normalization.adapt) or model (its data config). */
    public String normalize = "adapt";

    public int loaderThreads = 2;
    /** Evaluate on at most this many validation images per epoch; 0 = all. */
    public int valLimit;
    /**
     * Wall-clock minutes the epochs may take ({@link TimeBudget}); {@link #epochs} is then the most. 0 = off.
     * A budgeted run is not bit-reproducible: how many epochs fit depends on the machine.
     */
    public double timeBudgetMinutes;
    /**
     * Layer-wise learning-rate decay (BEiT, timm's {@code --layer-decay}): block i of n learns at
     * {@code lr · decay^(n − i)}, the embeddings at {@code decay^(n + 1)}, the norm and head at {@code lr}. 0 = off.
     */
    public double layerDecay;
    /** Weights to start from (fine-tuning): any file vit4j reads; a head of another size is left new. Null = random. */
    public String initWeights;

    public TrainConfig validate() {
        if (epochs < 1 || batchSize < 1) {
            throw new Vit4jException("epochs and batch size must be at least 1");
        }
        if (!(timeBudgetMinutes >= 0) || Double.isInfinite(timeBudgetMinutes)) {
            throw new Vit4jException("the time budget must be a number of minutes ≥ 0 (0 = off)");
        }
        // Written as "!(x >= 0)" so that NaN, which every comparison fails, is refused too.
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new Vit4jException("the learning rate must be a positive number, not " + lr);
        }
        if (!(minLr >= 0) || !Double.isFinite(minLr) || !(warmupLr >= 0) || !Double.isFinite(warmupLr)) {
            throw new Vit4jException("the minimum and warm-up learning rates must be numbers ≥ 0");
        }
        if (!(warmupEpochs >= 0)
                || !(warmupEpochs <= epochs)
                || !(weightDecay >= 0)
                || !Double.isFinite(weightDecay)
                || !(clipGrad >= 0)
                || !Double.isFinite(clipGrad)) {
            throw Vit4jException.naming(
                    "{warmupEpochs} (at most {epochs}), {weightDecay} and {clipGrad} must be numbers" + " ≥ 0");
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)
                || !(momentum >= 0 && momentum < 1)
                || !(plateauFactor > 0 && plateauFactor < 1)) {
            throw new Vit4jException("label smoothing and momentum must be in [0, 1), the plateau factor in (0, 1)");
        }
        if (!(layerDecay >= 0 && layerDecay <= 1)) {
            throw Vit4jException.naming("{layerDecay} must be in (0, 1] (0 = off), not %s", layerDecay);
        }
        augmentation.validate();
        Optimizer.create(optimizer, 0, 0);
        if (!schedule.equals("cosine") && !schedule.equals("plateau") && !schedule.equals("constant")) {
            throw new Vit4jException("schedule must be cosine, plateau or constant, not " + schedule);
        }
        if (!monitor.equals("val_loss") && !monitor.equals("val_top1")) {
            throw new Vit4jException("monitor must be val_loss or val_top1, not " + monitor);
        }
        if (!loss.equals("ce") && !loss.equals("mse")) {
            throw new Vit4jException("loss must be ce or mse, not " + loss);
        }
        if (!normalize.equals("adapt") && !normalize.equals("model")) {
            throw new Vit4jException("normalize must be adapt or model, not " + normalize);
        }
        return this;
    }
}
