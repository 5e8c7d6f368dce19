package dev.vit4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomErasingTest {
    private static final int C = 3;
    private static final int H = 28;
    private static final int W = 28;

    @Test
    void erasesOneRectangleOfTheAllowedSizeInEveryChannel() {
        for (int seed = 0; seed < 200; seed++) {
            float[] img = new float[C * H * W];
            java.util.Arrays.fill(img, Float.NaN);
            RandomErasing.apply(img, C, H, W, 1.0, new SplittableRandom(seed));
            int[] box = changedBox(img, 0);
            int area = (box[2] - box[0] + 1) * (box[3] - box[1] + 1);
            int changed = 0;
            for (int i = 0; i < H * W; i++) {
                changed += Float.isNaN(img[i]) ? 0 : 1;
            }
            assertEquals(area, changed, "one solid rectangle (seed " + seed + ")");
            assertTrue(area <= Math.round(H * W / 3.0) + H + W && area >= 1, "area " + area);
            for (int k = 1; k < C; k++) {
                assertArrayEquals(box, changedBox(img, k), "the same rectangle in channel " + k);
            }
        }
    }

    @Test
    void fillIsStandardNormalNoise() {
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (int seed = 0; seed < 300; seed++) {
            float[] img = new float[H * W];
            java.util.Arrays.fill(img, Float.NaN);
            RandomErasing.apply(img, 1, H, W, 1.0, new SplittableRandom(seed));
            for (float v : img) {
                if (!Float.isNaN(v)) {
                    sum += v;
                    sq += v * v;
                    n++;
                }
            }
        }
        double mean = sum / n;
        assertEquals(0, mean, 0.02);
        assertEquals(1, Math.sqrt(sq / n - mean * mean), 0.02);
    }

    @Test
    void probabilityDecidesHowOftenAndZeroNeverTouches() {
        int erased = 0;
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            float[] img = new float[H * W];
            RandomErasing.apply(img, 1, H, W, 0.25, r);
            for (float v : img) {
                if (v != 0) {
                    erased++;
                    break;
                }
            }
        }
        assertEquals(0.25, erased / 2000.0, 0.03);
        float[] img = new float[H * W];
        RandomErasing.apply(img, 1, H, W, 0, new SplittableRandom(1));
        assertArrayEquals(new float[H * W], img);
    }

    /** {top, left, bottom, right} of the non-NaN pixels in channel k. */
    private static int[] changedBox(float[] img, int k) {
        int[] box = {H, W, -1, -1};
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                if (!Float.isNaN(img[(k * H + y) * W + x])) {
                    box[0] = Math.min(box[0], y);
                    box[1] = Math.min(box[1], x);
                    box[2] = Math.max(box[2], y);
                    box[3] = Math.max(box[3], x);
                }
            }
        }
        return box;
    }
}
