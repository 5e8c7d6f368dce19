package dev.vit4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CMYK and YCCK JPEGs decode to the bytes Pillow's {@code convert("RGB")} gives (expectations made by
 * {@code tools/cmyk_fixtures.py} with Debian's Pillow 9.4 and ImageMagick), from a file and from memory.
 */
class CmykJpegTest {
    @ParameterizedTest
    @ValueSource(strings = {"adobe_cmyk.jpg", "plain_cmyk.jpg", "ycck.jpg"})
    void fourChannelJpegsAreWhatPillowGives(String name) throws IOException {
        RgbImage pil = ImageDecoder.read(resource(name + ".pil.png"), name + ".pil.png");
        RgbImage ours = ImageDecoder.read(resource(name), name);
        assertEquals(pil.width(), ours.width());
        assertEquals(pil.height(), ours.height());
        assertArrayEquals(pil.pixels(), ours.pixels(), name + ": every byte as Pillow");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = CmykJpegTest.class.getResourceAsStream("/cmyk/" + name)) {
            return in.readAllBytes();
        }
    }
}
