package dev.vit4j.training;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.List;

/** Everything besides weights and optimizer moments that a resumed run needs to continue exactly. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TrainerState {
    public TrainConfig train;
    /** Epochs completed. */
    public int epochsDone;

    public long globalStep;
    public double bestMetric = Double.NaN;
    public int bestEpoch = -1;
    public ReduceLrOnPlateau plateau;
    public EarlyStopping earlyStopping;
    public List<EpochRecord> history = new ArrayList<>();
    public boolean stoppedEarly;
    /** This process stopped on request ({@link TrainingListener#stopRequested}) before its planned epochs; not saved. */
    @JsonIgnore
    public boolean interrupted;
}
