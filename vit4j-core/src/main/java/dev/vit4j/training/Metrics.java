package dev.vit4j.training;

/** Running loss, top-1 and top-5 over batches, with an optional confusion matrix. */
final class Metrics {
    private final long[][] confusion;
    private double lossSum;
    private long count;
    private long top1;
    private long top5;

    Metrics(int classes, boolean confusion) {
        this.confusion = confusion ? new long[classes][classes] : null;
    }

    /** {@code logits}: B × K row-major; {@code loss}: the batch mean. */
    void add(float[] logits, int[] labels, double loss) {
        int b = labels.length;
        int k = logits.length / b;
        for (int i = 0; i < b; i++) {
            float target = logits[i * k + labels[i]];
            int higher = 0;
            int argmax = 0;
            for (int j = 0; j < k; j++) {
                float v = logits[i * k + j];
                if (v > target || (v == target && j < labels[i])) {
                    higher++;
                }
                if (v > logits[i * k + argmax]) {
                    argmax = j;
                }
            }
            if (higher == 0) {
                top1++;
            }
            if (higher < 5) {
                top5++;
            }
            if (confusion != null) {
                confusion[labels[i]][argmax]++;
            }
        }
        lossSum += loss * b;
        count += b;
    }

    double loss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    double top1() {
        return count == 0 ? Double.NaN : (double) top1 / count;
    }

    double top5() {
        return count == 0 ? Double.NaN : (double) top5 / count;
    }

    long count() {
        return count;
    }

    long[][] confusion() {
        return confusion;
    }
}
