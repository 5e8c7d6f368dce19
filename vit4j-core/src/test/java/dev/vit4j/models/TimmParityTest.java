package dev.vit4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.vit4j.Fixtures;
import dev.vit4j.Vit4j;
import dev.vit4j.inference.Embedding;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelOutputs;
import dev.vit4j.inference.ModelRunner;
import dev.vit4j.weights.SafeTensors;
import dev.vit4j.weights.TensorInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Logits, pre-logits and every attention tensor against timm 0.9.16 on the fixtures, to 1e-4. */
class TimmParityTest {
    private static final double TOL = 1e-4;

    @ParameterizedTest
    @MethodSource("dev.vit4j.Fixtures#timmModels")
    void matchesTimm(String fixture) {
        ModelConfig config = Configs.read(Fixtures.path(fixture + "/config.json"));
        String input = fixture + "/input.safetensors";
        String expected = fixture + "/expected.safetensors";
        try (LoadedModel m = LoadedModel.load(
                Fixtures.path(fixture + "/config.json").toString(), Fixtures.path(fixture + "/model.safetensors"))) {
            ModelOutputs out = ModelRunner.run(
                    m.model(), m.manager(), Fixtures.tensor(input, "x"), new Shape(Fixtures.shape(input, "x")), true);
            double logits = Fixtures.maxAbsDiff(Fixtures.flatten(out.logits()), Fixtures.tensor(expected, "logits"));
            double pre =
                    Fixtures.maxAbsDiff(Fixtures.flatten(out.preLogits()), Fixtures.tensor(expected, "pre_logits"));
            StringBuilder report = new StringBuilder(fixture + ": logits " + logits + ", pre_logits " + pre);
            assertTrue(logits < TOL, report.toString());
            assertTrue(pre < TOL, report.toString());
            int attentionKeys = 0;
            try (SafeTensors st = SafeTensors.open(Fixtures.path(expected))) {
                for (Map.Entry<String, TensorInfo> e : st.tensors().entrySet()) {
                    if (!e.getKey().startsWith("attention")) {
                        continue;
                    }
                    attentionKeys++;
                    var got = out.attention().get(e.getKey());
                    assertTrue(
                            got != null,
                            "no " + e.getKey() + " recorded; have "
                                    + out.attention().keySet());
                    assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
                    double d = Fixtures.maxAbsDiff(got.data(), st.floats(e.getKey()));
                    report.append(", ").append(e.getKey()).append(' ').append(d);
                    assertTrue(d < TOL, report.toString());
                }
            }
            assertEquals(
                    attentionKeys,
                    out.attention().size(),
                    "recorded keys " + out.attention().keySet());
            System.out.println("[parity] " + report);
            assertEquals(config.numClasses > 0 ? config.numClasses : config.embedDim, out.logits()[0].length);
        }
    }

    @Test
    void huggingFaceLayoutGivesTheSameLogits() {
        try (LoadedModel m = LoadedModel.load((String) null, hfDirectory())) {
            String input = "vit_micro/input.safetensors";
            ModelOutputs out = ModelRunner.run(
                    m.model(), m.manager(), Fixtures.tensor(input, "x"), new Shape(Fixtures.shape(input, "x")), false);
            double d = Fixtures.maxAbsDiff(
                    Fixtures.flatten(out.logits()), Fixtures.tensor("vit_micro_hf/expected.safetensors", "logits"));
            System.out.println("[parity] vit_micro_hf: logits " + d);
            assertTrue(d < TOL, "HF logits differ by " + d);
            assertEquals("class_3", m.labels().name(3));
        }
    }

    /**
     * OpenAI's / open_clip's CLIP layout ({@code visual.*}: renamed, the projection transposed, the class and position
     * embeddings reshaped, a zero head bias) and open_clip's timm-trunk layout ({@code visual.trunk.*}, SigLIP's), each
     * beside a text tower that is left out: the logits of the timm-named weights.
     */
    @ParameterizedTest
    @ValueSource(strings = {"clip_micro", "siglip_micro"})
    void openClipCheckpointsGiveTheSameLogits(String fixture) {
        try (LoadedModel m = LoadedModel.load(
                Fixtures.path(fixture + "/config.json").toString(),
                Fixtures.path(fixture + "/open_clip_pytorch_model.bin"))) {
            String input = fixture + "/input.safetensors";
            ModelOutputs out = ModelRunner.run(
                    m.model(), m.manager(), Fixtures.tensor(input, "x"), new Shape(Fixtures.shape(input, "x")), false);
            double d = Fixtures.maxAbsDiff(
                    Fixtures.flatten(out.logits()), Fixtures.tensor(fixture + "/expected.safetensors", "logits"));
            System.out.println("[parity] " + fixture + " from open_clip's layout: logits " + d);
            assertTrue(d < TOL, fixture + " logits differ by " + d);
        }
    }

    /**
     * From image files (a PNG and a JPEG) through the model's own data config: vit4j's pre-logits and head output are
     * timm's {@code forward_head} after timm's eval transform, to 2e-3 relative (PIL-exact resizing keeps it far
     * closer).
     */
    @ParameterizedTest
    @ValueSource(strings = {"dinov2_micro", "clip_micro", "siglip_micro", "deit_distilled_micro"})
    void imageFilesGiveTimmsEmbeddings(String fixture) {
        List<java.nio.file.Path> images =
                List.of(Fixtures.path("images/landscape.png"), Fixtures.path("images/odd.jpg"));
        try (Vit4j model = Vit4j.load(
                Fixtures.path(fixture + "/config.json").toString(),
                Fixtures.path(fixture + "/model.safetensors"),
                Vit4j.Options.defaults())) {
            String expected = fixture + "/images.safetensors";
            for (Embedding.Output output : Embedding.Output.values()) {
                List<float[]> got = model.embedAll(images, new Embedding(output, false));
                float[] want = Fixtures.tensor(expected, output == Embedding.Output.HEAD ? "logits" : "pre_logits");
                double worst = 0;
                for (int i = 0; i < got.size(); i++) {
                    float[] row = got.get(i);
                    double scale = 0;
                    double diff = 0;
                    for (int j = 0; j < row.length; j++) {
                        scale = Math.max(scale, Math.abs(want[i * row.length + j]));
                        diff = Math.max(diff, Math.abs(row[j] - want[i * row.length + j]));
                    }
                    worst = Math.max(worst, diff / scale);
                }
                System.out.println("[parity] " + fixture + " from image files, " + output.id() + ": relative " + worst);
                assertTrue(worst < 2e-3, fixture + " " + output.id() + " relative " + worst);
            }
        }
    }

    /**
     * timm's {@code img_size=} on another grid's weights: the DINOv2 fixture's 6 × 6 checkpoint, its config made at
     * 42 px and asked for 28 px, gives timm's output after its checkpoint filter resampled the positions.
     */
    @Test
    void anotherImageSizeResamplesThePositionsAsTimm() {
        ModelConfig at42 = Configs.read(Fixtures.path("dinov2_micro_resampled/config.json"))
                .atImageSize(42, 42);
        assertEquals(36, at42.gridHeight() * at42.gridWidth());
        ModelConfig at28 = at42.atImageSize(28, 28);
        assertArrayEquals(new int[] {3, 28, 28}, at28.resolvedDataConfig().inputSize());
        String input = "dinov2_micro_resampled/input.safetensors";
        try (LoadedModel m = LoadedModel.load(at28, Fixtures.path("dinov2_micro_resampled/model.safetensors"))) {
            ModelOutputs out = ModelRunner.run(
                    m.model(), m.manager(), Fixtures.tensor(input, "x"), new Shape(Fixtures.shape(input, "x")), false);
            double d = Fixtures.maxAbsDiff(
                    Fixtures.flatten(out.preLogits()),
                    Fixtures.tensor("dinov2_micro_resampled/expected.safetensors", "pre_logits"));
            assertTrue(d < TOL, "resampled positions: pre_logits differ by " + d);
        }
    }

    private static java.nio.file.Path hfDirectory() {
        return Fixtures.path("vit_micro_hf/config.json").getParent();
    }
}
