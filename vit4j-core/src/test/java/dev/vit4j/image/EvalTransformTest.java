package dev.vit4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vit4j.Fixtures;
import dev.vit4j.weights.SafeTensors;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * timm's eval transform against {@code expected_preprocess.safetensors} (PIL + torchvision): PNG inputs exact
 * (PIL's fixed-point resize reproduced byte for byte); the JPEG within decoder differences.
 */
class EvalTransformTest {
    @Test
    void matchesPilAndTorchvision() throws IOException {
        var configs = new ObjectMapper()
                .readTree(Fixtures.path("images/preprocess_configs.json").toFile());
        try (SafeTensors expected = SafeTensors.open(Fixtures.path("images/expected_preprocess.safetensors"))) {
            for (String key : expected.tensors().keySet()) {
                String configName = key.substring(0, key.indexOf('/'));
                String image = key.substring(key.indexOf('/') + 1);
                DataConfig config = new ObjectMapper().treeToValue(configs.get(configName), DataConfig.class);
                float[] got = new EvalTransform(config).apply(Fixtures.path("images/" + image));
                float[] want = expected.floats(key);
                assertEquals(want.length, got.length, key);
                int plane = want.length / 3;
                int exact = 0;
                double maxSteps = 0;
                for (int i = 0; i < want.length; i++) {
                    // Back to 8-bit steps: value * std * 255.
                    double steps = Math.abs(got[i] - want[i]) * config.std()[i / plane] * 255.0;
                    maxSteps = Math.max(maxSteps, steps);
                    if (steps < 0.01) {
                        exact++;
                    }
                }
                double exactShare = (double) exact / want.length;
                System.out.printf("[preprocess] %s: max %.3f steps, exact %.4f%n", key, maxSteps, exactShare);
                if (image.endsWith(".png")) {
                    assertTrue(maxSteps < 0.01, key + ": " + maxSteps + " steps");
                    assertEquals(1.0, exactShare, key + ": only " + exactShare + " exact");
                } else {
                    assertTrue(maxSteps <= 2.01, key + ": " + maxSteps + " steps");
                    assertTrue(exactShare >= 0.95, key + ": only " + exactShare + " exact");
                }
            }
        }
    }

    @Test
    void oneChannelModelsSeePilsLuma() {
        // PIL: Image.new("RGB", (3, 1)) with red, green, blue pixels, .convert("L") → 76, 150, 29.
        RgbImage rgb = new RgbImage(3, 1, new byte[] {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255});
        byte[] l = EvalTransform.luma(rgb).pixels();
        assertArrayEquals(new byte[] {76, 76, 76, (byte) 150, (byte) 150, (byte) 150, 29, 29, 29}, l);
        DataConfig gray = new DataConfig(new int[] {1, 3, 3}, "bilinear", 1.0, new double[] {0.5}, new double[] {0.5});
        float[] x = new EvalTransform(gray).apply(new RgbImage(3, 3, new byte[27]));
        assertEquals(9, x.length);
        assertEquals(-1f, x[4], 1e-6);
    }

    /**
     * Resizing only the pixels a crop keeps gives the bytes of the whole resize, then the crop: random sizes, both
     * filters, crops inside, across the edges (zero padding) and outside.
     */
    @Test
    void resizingOnlyTheCropGivesTheWholeResizesBytes() {
        java.util.Random random = new java.util.Random(26);
        for (int trial = 0; trial < 300; trial++) {
            int w = 1 + random.nextInt(60);
            int h = 1 + random.nextInt(60);
            byte[] px = new byte[w * h * 3];
            random.nextBytes(px);
            RgbImage src = new RgbImage(w, h, px);
            int newW = 1 + random.nextInt(70);
            int newH = 1 + random.nextInt(70);
            ResampleFilter.Kind kind =
                    random.nextBoolean() ? ResampleFilter.Kind.BICUBIC : ResampleFilter.Kind.BILINEAR;
            int cw = 1 + random.nextInt(80);
            int ch = 1 + random.nextInt(80);
            int left = random.nextInt(newW + 20) - 10;
            int top = random.nextInt(newH + 20) - 10;
            RgbImage whole = PilResize.resize(src, newW, newH, kind).crop(left, top, cw, ch);
            RgbImage part = PilResize.resizeAndCrop(src, newW, newH, kind, left, top, cw, ch);
            String what = w + "x" + h + " -> " + newW + "x" + newH + " " + kind + " crop " + left + "," + top + " " + cw
                    + "x" + ch;
            assertEquals(cw, part.width(), what);
            assertEquals(ch, part.height(), what);
            org.junit.jupiter.api.Assertions.assertArrayEquals(whole.pixels(), part.pixels(), what);
        }
    }
}
