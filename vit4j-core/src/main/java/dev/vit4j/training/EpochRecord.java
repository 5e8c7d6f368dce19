package dev.vit4j.training;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** One line of {@code history.csv}. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EpochRecord(
        int epoch,
        double lr,
        double trainLoss,
        double trainTop1,
        double trainTop5,
        double valLoss,
        double valTop1,
        double valTop5,
        double seconds) {
    public static final String CSV_HEADER =
            "epoch,lr,train_loss,train_top1,train_top5,val_loss,val_top1,val_top5,seconds";

    public String csv() {
        return String.format(
                java.util.Locale.ROOT,
                "%d,%.6g,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.2f",
                epoch,
                lr,
                trainLoss,
                trainTop1,
                trainTop5,
                valLoss,
                valTop1,
                valTop5,
                seconds);
    }
}
