package dev.vit4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Fixtures;
import dev.vit4j.models.Configs;
import dev.vit4j.models.HuggingFaceImageProcessor;
import dev.vit4j.weights.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face checkpoint gets transformers' preprocessing, not timm's: {@code ViTImageProcessor} with the
 * fixture's {@code preprocessor_config.json} (PIL bilinear straight to 224 × 224, no crop), equal to its tensors.
 */
class HuggingFacePreprocessingTest {
    @Test
    void matchesTransformersViTImageProcessor() {
        DataConfig config = HuggingFaceImageProcessor.read(Fixtures.path("hf_preprocess/preprocessor_config.json"), 3);
        assertEquals("bilinear", config.interpolation());
        assertArrayEquals(new int[] {224, 224}, config.resizeSize());
        EvalTransform transform = new EvalTransform(config);
        try (SafeTensors expected = SafeTensors.open(Fixtures.path("hf_preprocess/expected.safetensors"))) {
            assertEquals(4, expected.tensors().size());
            for (String image : expected.tensors().keySet()) {
                double diff =
                        Fixtures.maxAbsDiff(expected.floats(image), transform.apply(Fixtures.path("images/" + image)));
                System.out.printf("[hf preprocess] %s: max |diff| %.2e%n", image, diff);
                assertTrue(diff <= 1e-6, image + ": " + diff);
            }
        }
    }

    @Test
    void aHuggingFaceDirectoryReadsItsProcessorConfig(@TempDir Path dir) throws IOException {
        Files.copy(Fixtures.path("vit_micro_hf/config.json"), dir.resolve("config.json"));
        assertEquals(
                "bilinear",
                Configs.read(dir.resolve("config.json")).resolvedDataConfig().interpolation(),
                "without preprocessor_config.json: ViTImageProcessor's defaults");
        Files.writeString(
                dir.resolve("preprocessor_config.json"),
                "{\"do_center_crop\": true, \"crop_size\": 32,"
                        + " \"size\": 36, \"resample\": 3, \"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225]}");
        DataConfig d = Configs.read(dir.resolve("config.json")).resolvedDataConfig();
        assertEquals("bicubic", d.interpolation());
        assertArrayEquals(new int[] {36, 36}, d.resizeSize());
        assertEquals(32, d.height());
        // DeiTImageProcessor: resize 36 × 36 then crop 32 (offset 2) from a 50 × 40 image.
        int[] target = new EvalTransform(d).resizeTarget(50, 40);
        assertArrayEquals(new int[] {36, 36}, target);
    }
}
