package dev.vit4j.training;

import java.util.List;

/** Loss, top-1, top-5, per-class accuracy and confusion matrix (rows: true class, columns: predicted). */
public record Evaluation(double loss, double top1, double top5, int count, List<String> classes, long[][] confusion) {
    public double[] perClassAccuracy() {
        double[] acc = new double[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            long total = 0;
            for (long v : confusion[c]) {
                total += v;
            }
            acc[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
        }
        return acc;
    }
}
