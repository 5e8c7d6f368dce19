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
            ExampleScore s = ExampleScore.of(logits, i * k, k, labels[i]);
            top1 += s.top1() ? 1 : 0;
            top5 += s.top5() ? 1 : 0;
            if (confusion != null) {
                confusion[labels[i]][s.argmax()]++;
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
