package dev.vit4j.probing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.weights.FloatTensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbingMapsTest {
    /** Class attention (2 heads × 1 query × (1 + 3×5 patches)) peaking on one patch of a rectangular grid. */
    private static FloatTensor peaked(int gridH, int gridW, int peakRow, int peakCol) {
        int keys = 1 + gridH * gridW;
        float[] a = new float[2 * keys];
        for (int h = 0; h < 2; h++) {
            for (int k = 0; k < keys; k++) {
                a[h * keys + k] = 0.01f;
            }
            a[h * keys + 1 + peakRow * gridW + peakCol] = 0.8f;
        }
        return new FloatTensor(new long[] {2, 1, keys}, a);
    }

    @Test
    void saliencyPeakLandsOnThePatchOnARectangularGrid() {
        int gridH = 3;
        int gridW = 5;
        int patch = 16;
        float[][] heads = ClassTokenAttention.perHead(peaked(gridH, gridW, 0, 4), gridH, gridW);
        float[] saliency = ClassTokenAttention.saliency(heads);
        assertEquals(1f, saliency[4], 0f);
        float[] up = ClassTokenAttention.upsample(saliency, gridH, gridW, gridH * patch, gridW * patch);
        int best = 0;
        for (int i = 0; i < up.length; i++) {
            if (up[i] > up[best]) {
                best = i;
            }
        }
        int y = best / (gridW * patch);
        int x = best % (gridW * patch);
        // Top-right patch: rows 0..15, columns 64..79. A transposed grid would put it elsewhere.
        assertTrue(y < patch && x >= 4 * patch, "peak at (" + y + ", " + x + ")");
    }

    @Test
    void peakBelowTheDiagonalIsNotTransposed() {
        float[][] heads = ClassTokenAttention.perHead(peaked(3, 5, 2, 1), 3, 5);
        float[] s = ClassTokenAttention.saliency(heads);
        assertEquals(1f, s[2 * 5 + 1], 0f);
        assertEquals(0f, s[1 * 5 + 2], 0f);
    }

    @Test
    void rolloutOfIdentityAttentionIsTheIdentity() {
        int n = 5;
        float[] eye = new float[3 * n * n];
        for (int h = 0; h < 3; h++) {
            for (int i = 0; i < n; i++) {
                eye[h * n * n + i * n + i] = 1f;
            }
        }
        FloatTensor block = new FloatTensor(new long[] {3, n, n}, eye);
        for (AttentionRollout.HeadFusion f : AttentionRollout.HeadFusion.values()) {
            double[] r = AttentionRollout.rollout(List.of(block, block, block), f, 0.5);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(i == j ? 1.0 : 0.0, r[i * n + j], 1e-12, f + " (" + i + "," + j + ")");
                }
            }
        }
    }

    @Test
    void rolloutOfUniformAttentionIsUniformAndRowsStayDistributions() {
        int n = 4;
        float[] u = new float[2 * n * n];
        java.util.Arrays.fill(u, 1f / n);
        FloatTensor block = new FloatTensor(new long[] {2, n, n}, u);
        double[] r = AttentionRollout.rollout(List.of(block, block), AttentionRollout.HeadFusion.MEAN, 0);
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += r[i * n + j];
            }
            assertEquals(1.0, sum, 1e-12);
        }
        float[] mask = AttentionRollout.classTokenMask(r, n, 1, 3);
        assertEquals(1f, mask[0], 1e-6f);
        assertEquals(mask[0], mask[2], 1e-6f);
    }
}
