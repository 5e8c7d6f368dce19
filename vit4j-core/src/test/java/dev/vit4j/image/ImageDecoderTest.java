package dev.vit4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import dev.vit4j.weights.SafeTensors;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every mode and format against Pillow's {@code convert("RGB")}; bad files refused with a clear message. */
class ImageDecoderTest {
    private static Path decoder(String name) throws URISyntaxException {
        return Path.of(ImageDecoderTest.class.getResource("/decoder/" + name).toURI());
    }

    @Test
    void matchesPillowConvertRgb() throws Exception {
        try (SafeTensors expected = SafeTensors.open(decoder("expected_rgb.safetensors"))) {
            for (String name : expected.tensors().keySet()) {
                RgbImage img = ImageDecoder.read(decoder(name));
                float[] want = expected.floats(name);
                assertEquals(want.length, img.pixels().length, name);
                int worst = 0;
                for (int i = 0; i < want.length; i++) {
                    worst = Math.max(worst, Math.abs((img.pixels()[i] & 0xff) - (int) want[i]));
                }
                assertEquals(0, worst, name + " differs from Pillow by up to " + worst);
            }
        }
    }

    @Test
    void grayIsReplicatedWithoutGammaConversion() {
        RgbImage img = ImageDecoder.read(Fixtures.path("images/gray.png"));
        byte[] p = img.pixels();
        for (int i = 0; i < p.length; i += 3) {
            assertTrue(p[i] == p[i + 1] && p[i] == p[i + 2]);
        }
    }

    @Test
    void refusesMissingTruncatedAndNonImages() throws Exception {
        assertMessage(Path.of("no/such/image.png"), "not found");
        assertMessage(decoder("not_an_image.png"), "not a recognised image");
        assertMessage(decoder("truncated.png"), "truncated");
        assertMessage(decoder("truncated.jpg"), "truncated");
        assertMessage(decoder("README.md"), "not a recognised image");
    }

    @Test
    void aHundredMegapixelImageIsDecodedOrRefusedNeverAnOutOfMemoryError(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        // 10 000 × 10 000 gray: 100 MB raster + 300 MB RGB copy, against this test JVM's 1 GB heap.
        java.awt.image.BufferedImage big =
                new java.awt.image.BufferedImage(10_000, 10_000, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        big.getRaster().setSample(5_000, 5_000, 0, 200);
        Path file = dir.resolve("big.png");
        javax.imageio.ImageIO.write(big, "png", file.toFile());
        big = null;
        try {
            RgbImage img = ImageDecoder.read(file);
            assertEquals(10_000, img.width());
            float[] x = new EvalTransform(dev.vit4j.image.DataConfig.imagenet(224, 0.875)).apply(img);
            assertEquals(3 * 224 * 224, x.length);
        } catch (Vit4jException refused) {
            assertTrue(refused.getMessage().contains("Java heap"), refused.getMessage());
        }
    }

    private static void assertMessage(Path file, String part) {
        Vit4jException e = assertThrows(Vit4jException.class, () -> ImageDecoder.read(file));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
