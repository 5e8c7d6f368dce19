package dev.vit4j.training;

/**
 * How one example's logits score against its label: the predicted class (the first largest logit), whether the label
 * ranks first and within the first five (a tie counts for the lower index, as a stable sort would), and the
 * cross-entropy. What {@code vit4j eval} adds up, and what a distributed evaluation adds up the same way.
 */
public record ExampleScore(int label, int argmax, boolean top1, boolean top5, double loss) {
    /** The example whose {@code k} logits start at {@code offset} in {@code logits}. */
    public static ExampleScore of(float[] logits, int offset, int k, int label) {
        float target = logits[offset + label];
        int higher = 0;
        int argmax = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            float v = logits[offset + j];
            if (v > target || (v == target && j < label)) {
                higher++;
            }
            if (v > logits[offset + argmax]) {
                argmax = j;
            }
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
            sum += Math.exp(logits[offset + j] - max);
        }
        return new ExampleScore(label, argmax, higher == 0, higher < 5, Math.log(sum) + max - target);
    }

    public static ExampleScore of(float[] logits, int label) {
        return of(logits, 0, logits.length, label);
    }
}
