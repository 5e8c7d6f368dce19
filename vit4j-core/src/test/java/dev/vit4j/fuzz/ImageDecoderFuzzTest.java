package dev.vit4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import dev.vit4j.image.EvalTransform;
import dev.vit4j.image.ImageDecoder;
import dev.vit4j.image.RgbImage;
import java.nio.file.Path;

/** Any bytes as an image file, through decoding and the model's preprocessing: pixels out, or refused. */
public class ImageDecoderFuzzTest {
    private static final Path DIR = FuzzFiles.directory("images");
    private static final EvalTransform TRANSFORM = new EvalTransform(DataConfig.imagenet(32, 0.875));

    @FuzzTest(maxDuration = "10s")
    void decodeAndPreprocess(byte[] data) {
        Path file = FuzzFiles.write(DIR.resolve("input"), data);
        try {
            RgbImage image = ImageDecoder.read(file);
            TRANSFORM.apply(image);
        } catch (Vit4jException expected) {
            // refused
        }
    }

    /** Entry point for standalone Jazzer ({@code tools/fuzz.sh}): longer campaigns than the JUnit run. */
    public static void fuzzerTestOneInput(byte[] data) {
        new ImageDecoderFuzzTest().decodeAndPreprocess(data);
    }
}
