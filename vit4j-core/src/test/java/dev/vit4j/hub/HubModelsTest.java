package dev.vit4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Vit4jException;
import dev.vit4j.models.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names → architecture, data config and weights file, for timm repositories the registry does not list. */
class HubModelsTest {
    @TempDir
    Path cache;

    @Test
    void aTimmTagNewerThanTheTableIsReadFromItsConfigJson() throws IOException {
        try (LoopbackHub hub = new LoopbackHub()) {
            hub.addRepo(
                    "timm/deit_tiny_patch16_224.my_tag",
                    false,
                    Map.of(
                            "config.json",
                            ("{\"architecture\": \"deit_tiny_patch16_224\", \"num_classes\": 10, \"pretrained_cfg\":"
                                            + " {\"crop_pct\": 0.95, \"interpolation\": \"bilinear\", \"mean\": [0.1, 0.2, 0.3]}}")
                                    .getBytes(StandardCharsets.UTF_8),
                            "pytorch_model.bin",
                            new byte[] {1}));
            hub.addRepo(
                    "timm/resnet50.a1_in1k",
                    false,
                    Map.of("config.json", "{\"architecture\": \"resnet50\"}".getBytes(StandardCharsets.UTF_8)));
            HubClient client = new HubClient(HubSettings.fromEnvironment(Map.of())
                    .withCache(cache)
                    .withEndpoint(hub.url())
                    .withToken(null)
                    .withRetries(0, Duration.ofMillis(1)));
            HubModels.Resolved r = HubModels.resolve("timm/deit_tiny_patch16_224.my_tag", client);
            ModelConfig c = r.config();
            assertEquals(10, c.numClasses);
            assertEquals(0.95, c.resolvedDataConfig().cropPct());
            assertEquals("bilinear", c.resolvedDataConfig().interpolation());
            assertEquals(0.2, c.resolvedDataConfig().mean()[1]);
            assertEquals(0.225, c.resolvedDataConfig().std()[2], "unset fields keep the architecture's");
            assertTrue(r.weights().endsWith("pytorch_model.bin"), "model.safetensors absent: pytorch_model.bin");
            Vit4jException e =
                    assertThrows(Vit4jException.class, () -> HubModels.resolve("timm/resnet50.a1_in1k", client));
            assertTrue(e.getMessage().contains("'resnet50', which vit4j does not build"), e.getMessage());
        }
    }
}
