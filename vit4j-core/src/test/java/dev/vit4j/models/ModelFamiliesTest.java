package dev.vit4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vit4j.Fixtures;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.cait.CaitOptions;
import dev.vit4j.models.perceiver.PerceiverOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The families answer for their models: typed options from config.json, cost, tokens, maps, and nobody else asks. */
class ModelFamiliesTest {
    private static final ModelRegistry REGISTRY = ModelRegistry.defaults();

    @Test
    void familyKeysAreReadTypedAndWrittenBackWithTheirDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(
                file,
                "{\"arch\": \"cait\", \"img_size\": [32, 32], \"patch_size\": 8, \"embed_dim\": 32, \"depth\": 1,"
                        + " \"num_heads\": 2, \"init_values\": 0.1, \"depth_token_only\": 1, \"num_latents\": 7}",
                StandardCharsets.UTF_8);
        ModelConfig c = Configs.read(file);
        assertEquals(new CaitOptions(1, 4.0, "timm"), CaitOptions.of(c));
        String json = Configs.toJson(c);
        assertTrue(json.contains("\"depth_token_only\" : 1"), json);
        assertTrue(json.contains("\"talking_heads_init\" : \"timm\""), json);
        assertFalse(json.contains("num_latents"), "a Perceiver key on a CaiT is not kept: " + json);
        assertEquals(CaitOptions.of(c), CaitOptions.of(c.copy()));
        assertEquals(
                1,
                REGISTRY.build(c).namedParameters().keySet().stream()
                        .filter(n -> n.startsWith("blocks_token_only.") && n.endsWith(".norm1.weight"))
                        .count());
    }

    @Test
    void aFamilyKeyOfTheWrongKindIsOneLineNamingIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(
                file,
                "{\"arch\": \"perceiver\", \"img_size\": [8, 8], \"patch_size\": 2, \"embed_dim\": 16, \"num_heads\":"
                        + " 2, \"global_pool\": \"avg\", \"num_latents\": \"many\"}",
                StandardCharsets.UTF_8);
        Vit4jException e = assertThrows(Vit4jException.class, () -> Configs.read(file));
        assertTrue(e.getMessage().contains("many") && !e.getMessage().contains("\n"), e.getMessage());
        Files.writeString(file, "{\"arch\": \"swin\"}", StandardCharsets.UTF_8);
        Vit4jException unknown = assertThrows(Vit4jException.class, () -> Configs.read(file));
        assertTrue(unknown.getMessage().contains("vit, cait, perceiver"), unknown.getMessage());
    }

    @Test
    void eachFamilyCountsItsCostAsPublished() {
        // fvcore's counts, as timm's model cards and the papers give them (GMACs).
        assertEquals(1.26, Complexity.gmacs(REGISTRY.config("deit_tiny_patch16_224")), 0.01);
        assertEquals(17.58, Complexity.gmacs(REGISTRY.config("vit_base_patch16_224")), 0.02);
        assertEquals(2.53, Complexity.gmacs(REGISTRY.config("cait_xxs24_224")), 0.02);
        assertEquals(9.35, Complexity.gmacs(REGISTRY.config("cait_s24_224")), 0.03);
        assertEquals(1.75, Complexity.gmacs(REGISTRY.config("perceiver_cifar")), 0.01);
    }

    @Test
    void eachFamilySaysWhereItsTokensAndMapsAre() {
        ModelConfig deit = REGISTRY.config("deit_tiny_patch16_224");
        assertEquals(1, deit.prefixTokens());
        assertEquals(1, deit.positionPrefixTokens());
        assertEquals(List.of("blocks.11"), deit.attentionLayout().defaultBlocks());
        assertEquals(12, deit.attentionLayout().rolloutBlocks().size());
        assertNull(deit.attentionLayout().whyNoDistances());

        ModelConfig cait = REGISTRY.config("cait_xxs24_224");
        assertEquals(1, cait.prefixTokens());
        assertEquals(0, cait.positionPrefixTokens());
        assertEquals(
                List.of("blocks_token_only.0", "blocks_token_only.1"),
                cait.attentionLayout().defaultBlocks());
        assertFalse(cait.attentionLayout().rollout());
        assertEquals(0.0f, cait.dropPathAt(0, 24));

        ModelConfig perceiver = REGISTRY.config("perceiver_tiny");
        assertEquals(0, perceiver.prefixTokens());
        assertEquals(
                List.of("cross_attention.iteration_0", "cross_attention.iteration_1"),
                perceiver.attentionLayout().defaultBlocks());
        assertTrue(perceiver.attentionLayout().whyNoDistances() != null);
        assertEquals(new PerceiverOptions(32, 2, 2, true, 16, null), PerceiverOptions.of(perceiver));
    }

    /** The names and shapes a timm checkpoint of each architecture holds (tools/timm_state_dict_shapes.py). */
    @Test
    void registeredArchitecturesAskForTimmsStateDict() throws IOException {
        JsonNode timm = new ObjectMapper()
                .readTree(Fixtures.path("timm_state_dict_shapes.json").toFile());
        List<String> wrong = new ArrayList<>();
        timm.fields().forEachRemaining(arch -> {
            Map<String, long[]> ours = new TreeMap<>();
            ModelRegistry.build(REGISTRY.config(arch.getKey()))
                    .namedParameters()
                    .forEach((name, p) -> ours.put(name, p.shape().getShape()));
            Map<String, long[]> theirs = new TreeMap<>();
            arch.getValue().fields().forEachRemaining(t -> {
                long[] shape = new long[t.getValue().size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.getValue().get(i).asLong();
                }
                theirs.put(t.getKey(), shape);
            });
            if (!ours.keySet().equals(theirs.keySet())) {
                Set<String> missing = new TreeSet<>(theirs.keySet());
                missing.removeAll(ours.keySet());
                Set<String> extra = new TreeSet<>(ours.keySet());
                extra.removeAll(theirs.keySet());
                wrong.add(arch.getKey() + ": timm has " + missing + ", vit4j has " + extra);
            }
            theirs.forEach((name, shape) -> {
                if (ours.containsKey(name) && !Arrays.equals(shape, ours.get(name))) {
                    wrong.add(arch.getKey() + " " + name + ": timm " + Arrays.toString(shape) + ", vit4j "
                            + Arrays.toString(ours.get(name)));
                }
            });
        });
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertTrue(timm.size() >= 18, "architectures compared: " + timm.size());
    }

    /** CLIP's image-text weights end in a projection, not a classifier: nothing to rank, predict refuses them. */
    @Test
    void clipProjectionsAreNotClassifiers() {
        ModelConfig openai = REGISTRY.config(REGISTRY.pretrained("vit_base_patch16_clip_224.openai"));
        assertEquals(512, openai.numClasses);
        assertFalse(openai.hasClassifier());
        assertTrue(REGISTRY.config(REGISTRY.pretrained("vit_base_patch16_clip_224.laion2b_ft_in1k"))
                .hasClassifier());
        assertFalse(REGISTRY.config("vit_base_patch16_siglip_224").hasClassifier(), "no head");
        assertTrue(REGISTRY.config("deit_tiny_distilled_patch16_224").hasClassifier());
        try (dev.vit4j.inference.ModelPipeline pipeline = dev.vit4j.inference.ModelPipeline.open(
                dev.vit4j.inference.LoadedModel.initialized(clipMicroAsProjection(), 1),
                dev.vit4j.inference.EngineType.TORCH,
                1)) {
            Vit4jException e = assertThrows(Vit4jException.class, pipeline::requireClassifier);
            assertTrue(e.getMessage().contains("embedding projection"), e.getMessage());
        }
    }

    private static ModelConfig clipMicroAsProjection() {
        ModelConfig c = Configs.read(Fixtures.path("clip_micro/config.json"));
        c.head = ModelConfig.PROJECTION;
        return c.validate();
    }

    @Test
    void theLayerDecayGroupsAreTheFamilysOwn() {
        ModelConfig cait = REGISTRY.config("cait_xxs24_224");
        ModelFamily f = cait.family();
        assertEquals(0, f.decayLayer("pos_embed", cait));
        assertEquals(24, f.decayLayer("blocks.23.attn.qkv.weight", cait));
        assertEquals(23, f.decayLayer("blocks_token_only.0.attn.q.weight", cait));
        assertEquals(24, f.decayLayer("norm.weight", cait));
        assertNull(f.decayLayer("head.weight", cait));
    }

    /**
     * Every parameter of each family lands in the layer-decay group its depth says: the stem first, then each block
     * in the order the forward pass runs it, the final norm with the last block, and only the head in the top group
     * (the Perceiver's latents, cross-attention and latent blocks fell into the head's group: undecayed).
     */
    @Test
    void everyParameterLandsInTheLayerDecayGroupOfItsDepth() {
        ModelConfig unshared = REGISTRY.config("perceiver_tiny")
                .withOptions(
                        PerceiverOptions.of(REGISTRY.config("perceiver_tiny")).withShareWeights(false));
        for (ModelConfig c : List.of(
                REGISTRY.config("deit_tiny_patch16_224"),
                REGISTRY.config("cait_xxs24_224"),
                REGISTRY.config("perceiver_tiny"),
                unshared)) {
            String name = c.name;
            ModelFamily f = c.family();
            List<String> order =
                    new ArrayList<>(ModelRegistry.build(c).namedParameters().keySet());
            int last = -1;
            String lastBlock = "";
            for (String p : order) {
                Integer layer = f.decayLayer(p, c);
                if (p.startsWith("head")) {
                    assertNull(layer, name + " " + p);
                    continue;
                }
                assertTrue(layer != null, name + ": " + p + " falls into the head's group");
                String block = p.replaceAll("^((?:[a-z_]+\\.)?\\d+|[a-z_]+)\\..*", "$1");
                // CaiT's class-attention blocks share the last self-attention blocks' groups (timm's group_matcher)
                if (!block.equals(lastBlock) && !p.startsWith("norm.") && !p.startsWith("blocks_token_only.")) {
                    assertTrue(layer >= last, name + ": " + p + " (" + layer + ") before a layer " + last);
                }
                last = Math.max(last, layer);
                lastBlock = block;
            }
        }
        ModelConfig perceiver = unshared;
        ModelFamily f = perceiver.family();
        int depth = perceiver.depth;
        assertEquals(0, f.decayLayer("latents", perceiver));
        assertEquals(1, f.decayLayer("cross_attention.attn.q.weight", perceiver));
        assertEquals(2, f.decayLayer("latent_blocks.0.attn.qkv.weight", perceiver));
        assertEquals(depth + 1, f.decayLayer("latent_blocks." + (depth - 1) + ".mlp.fc2.bias", perceiver));
        assertEquals(depth + 2, f.decayLayer("cross_attention_rest.attn.q.weight", perceiver));
        assertEquals(2 * depth + 2, f.decayLayer("norm.weight", perceiver));
        assertNull(f.decayLayer("head.weight", perceiver));
        assertEquals(depth + 1, f.decayLayer("norm.weight", REGISTRY.config("perceiver_tiny")), "shared: one stage");
    }

    /**
     * Nothing outside a family's package names a family by its {@code "cait"}-style literal (its package's imports are
     * the ArchUnit rules' to check: vit4j-cli's ArchitectureTest). The benchmarks, which compare families on purpose,
     * are left out.
     */
    @Test
    void noCodeOutsideAFamilyBranchesOnWhichFamilyItIs() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Pattern family = Pattern.compile("\"(vit|cait|perceiver)\"");
        List<String> found = new ArrayList<>();
        for (String module : List.of("vit4j-core", "vit4j-serve", "vit4j-spark", "vit4j-cli")) {
            Path src = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String path = src.relativize(f).toString().replace('\\', '/');
                    if (path.matches("dev/vit4j/models/(vit|cait|perceiver)/.*")
                            || path.equals("dev/vit4j/models/ModelRegistry.java")) {
                        continue;
                    }
                    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                    for (int i = 0; i < lines.size(); i++) {
                        String line = lines.get(i).trim();
                        if (!line.startsWith("*")
                                && !line.startsWith("/*")
                                && !line.startsWith("//")
                                && family.matcher(line).find()) {
                            found.add(module + "/" + path + ":" + (i + 1) + ": " + line);
                        }
                    }
                }
            }
        }
        assertTrue(found.isEmpty(), "family named outside its package:\n" + String.join("\n", found));
    }
}
