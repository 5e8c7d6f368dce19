package dev.vit4j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import dev.vit4j.inference.Engine;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.VisionModel;
import dev.vit4j.models.WeightLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightLoaderTest {
    @TempDir
    Path dir;

    @Test
    void namesMissingUnexpectedAndMisShapedKeysInOneLine() throws IOException {
        Map<String, FloatTensor> sd = readAll("vit_micro/model.safetensors");
        sd.remove("blocks.1.attn.qkv.bias");
        sd.put("blocks.9.extra", new FloatTensor(new long[] {1}, new float[] {0}));
        sd.put("head.weight", new FloatTensor(new long[] {5, 48}, new float[5 * 48]));
        Path f = dir.resolve("bad.safetensors");
        SafeTensorsWriter.write(f, sd, null);
        try (NDManager m = Engine.newManager()) {
            VisionModel model = ModelRegistry.build(Configs.read(Fixtures.path("vit_micro/config.json")));
            Vit4jException e = assertThrows(Vit4jException.class, () -> WeightLoader.load(model, f, m));
            String msg = e.getMessage();
            assertTrue(msg.contains("missing blocks.1.attn.qkv.bias"), msg);
            assertTrue(msg.contains("unexpected blocks.9.extra"), msg);
            assertTrue(msg.contains("mis-shaped head.weight (file [5, 48], model [10, 48])"), msg);
            assertTrue(!msg.contains("\n"), msg);
        }
    }

    @Test
    void nanAndInfiniteWeightsAreRefusedByName() throws IOException {
        Map<String, FloatTensor> sd = readAll("vit_micro/model.safetensors");
        sd.get("blocks.0.attn.qkv.weight").data()[7] = Float.NaN;
        sd.get("head.bias").data()[0] = Float.POSITIVE_INFINITY;
        sd.get("head.bias").data()[1] = Float.NaN;
        Path f = dir.resolve("diverged.safetensors");
        SafeTensorsWriter.write(f, sd, null);
        try (NDManager m = Engine.newManager()) {
            VisionModel model = ModelRegistry.build(Configs.read(Fixtures.path("vit_micro/config.json")));
            String msg = assertThrows(Vit4jException.class, () -> WeightLoader.load(model, f, m))
                    .getMessage();
            assertTrue(
                    msg.contains("not finite: blocks.0.attn.qkv.weight (1 NaN), head.bias (1 NaN, 1 infinite)"), msg);
        }
    }

    @Test
    void caitWeightsDoNotFitAViT() {
        try (NDManager m = Engine.newManager()) {
            VisionModel model = ModelRegistry.build(Configs.read(Fixtures.path("vit_micro/config.json")));
            Vit4jException e = assertThrows(
                    Vit4jException.class,
                    () -> WeightLoader.load(model, Fixtures.path("cait_micro/model.safetensors"), m));
            assertTrue(e.getMessage().contains("unexpected blocks.0.attn.proj_l.bias"), e.getMessage());
            assertTrue(e.getMessage().contains("in all"), e.getMessage());
        }
    }

    /**
     * vit_micro's 4×4 table loaded into models built for other grids is resampled as timm does it
     * (PyTorch's antialiased bicubic), up, down and to non-square grids; the class-token row is kept.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"8, 4", "2, 3", "7, 7"})
    void resamplesPositionEmbeddingsLikeTimm(int rows, int cols) throws Exception {
        ModelConfig config = Configs.read(Fixtures.path("vit_micro/config.json"));
        config.imgSize = new int[] {rows * 8, cols * 8};
        Path expected = Path.of(getClass()
                .getResource("/resample/vit_micro_pos_embed.safetensors")
                .toURI());
        String key = (rows > 4 || cols > 4 ? "up_" : "down_") + rows + "x" + cols;
        try (NDManager m = Engine.newManager();
                SafeTensors want = SafeTensors.open(expected)) {
            VisionModel model = ModelRegistry.build(config);
            WeightLoader.load(model, Fixtures.path("vit_micro/model.safetensors"), m);
            float[] pos = model.namedParameters().get("pos_embed").array().toFloatArray();
            assertEquals((1 + rows * cols) * 48, pos.length);
            double d = Fixtures.maxAbsDiff(want.floats(key), pos);
            assertTrue(d < 1e-5, key + " differs from PyTorch by " + d);
        }
    }

    private static Map<String, FloatTensor> readAll(String fixture) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(Fixtures.path(fixture))) {
            st.tensors().forEach((k, v) -> out.put(k, new FloatTensor(v.shape(), st.floats(k))));
        }
        return out;
    }
}
