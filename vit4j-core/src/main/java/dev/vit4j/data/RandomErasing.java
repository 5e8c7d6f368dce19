package dev.vit4j.data;

import java.util.SplittableRandom;

/**
 * timm's {@code RandomErasing} in its default "pixel" mode (Zhong et al. 2017): with probability p, one
 * rectangle of 2–33 % of the image, aspect ratio 0.3–3.3, is filled with standard-normal noise. It runs on
 * the normalized image, so the noise has the data's own scale.
 */
public final class RandomErasing {
    private static final double MIN_AREA = 0.02;
    private static final double MAX_AREA = 1.0 / 3;
    private static final double LOG_MIN_ASPECT = Math.log(0.3);
    private static final double LOG_MAX_ASPECT = Math.log(1 / 0.3);

    private RandomErasing() {}

    /** In place on a C × H × W image. */
    public static void apply(float[] img, int c, int h, int w, double probability, SplittableRandom r) {
        if (probability <= 0 || r.nextDouble() >= probability) {
            return;
        }
        double area = (double) h * w;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (MIN_AREA + (MAX_AREA - MIN_AREA) * r.nextDouble());
            double aspect = Math.exp(LOG_MIN_ASPECT + (LOG_MAX_ASPECT - LOG_MIN_ASPECT) * r.nextDouble());
            int eh = (int) Math.round(Math.sqrt(target * aspect));
            int ew = (int) Math.round(Math.sqrt(target / aspect));
            if (ew < w && eh < h) {
                int top = r.nextInt(h - eh + 1);
                int left = r.nextInt(w - ew + 1);
                for (int k = 0; k < c; k++) {
                    for (int y = top; y < top + eh; y++) {
                        int row = (k * h + y) * w;
                        for (int x = left; x < left + ew; x++) {
                            img[row + x] = (float) r.nextGaussian();
                        }
                    }
                }
                return;
            }
        }
    }
}
