package dev.vit4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vit4j.Vit4jException;
import dev.vit4j.image.DataConfig;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.models.Configs;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.PretrainedConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Models by name from the Hub: timm's ({@code timm/deit_tiny_patch16_224.fb_in1k}, {@code hf-hub:timm/...}, or an
 * architecture and {@code --pretrained} for its default tag), with the registry's pretrained config; and Hugging Face
 * {@code transformers} ViT repositories ({@code google/vit-base-patch16-224}) through their {@code config.json} and
 * {@code preprocessor_config.json}. Weights are {@code model.safetensors}, else {@code pytorch_model.bin}.
 */
public final class HubModels {
    /**
     * The architecture with its pretrained config, the weights file in the Hub cache and, for a two-tower model, the
     * folder its tokenizer files were downloaded to (null otherwise).
     */
    public record Resolved(ModelConfig config, Path weights, Path tokenizerDirectory) {
        public Resolved(ModelConfig config, Path weights) {
            this(config, weights, null);
        }
    }

    /** An open_clip model's weights, as open_clip's {@code hf-hub:} loader looks for them. */
    private static final List<String> OPEN_CLIP_WEIGHT_FILES =
            List.of("open_clip_model.safetensors", "open_clip_pytorch_model.bin");

    /** The files transformers' AutoTokenizer reads, those a repository has. */
    private static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "spiece.model",
            "vocab.json",
            "merges.txt");

    private static final List<String> WEIGHT_FILES = List.of("model.safetensors", "pytorch_model.bin");

    private HubModels() {}

    /**
     * A model by any name a user gives it: a model directory (vit4j's, a {@code vit4j train} run, or a Hugging Face
     * one), a Hub name ({@code timm/NAME.TAG}, {@code hf-hub:...}, a transformers repository, {@code @REVISION}), or a
     * registered architecture (timm's default pretrained tag). Loaded and ready to run.
     */
    public static LoadedModel open(String model, HubClient client) {
        Path local = Path.of(model);
        if (Files.isDirectory(local)) {
            return LoadedModel.load((String) null, local);
        }
        if (Files.isRegularFile(local)) {
            throw new Vit4jException(model + " is a weights file: give its architecture too (ARCH and the file)");
        }
        Resolved r = RepoRef.looksLike(model)
                ? resolve(model, client)
                : ModelRegistry.defaults().pretrained(model) != null ? pretrained(model, client) : null;
        if (r == null) {
            throw new Vit4jException("unknown model '" + model + "': a Hub name (timm/NAME), an architecture with "
                    + "pretrained weights, or a model directory");
        }
        return LoadedModel.load(r.config(), r.weights(), r.tokenizerDirectory());
    }

    /** {@code arch} or {@code arch.tag} from the registry's pretrained table (timm's {@code pretrained=True}). */
    public static Resolved pretrained(String name, HubClient client) {
        PretrainedConfig p = ModelRegistry.defaults().pretrained(name);
        if (p == null) {
            throw Vit4jException.naming("no pretrained weights for '%s' (see {pretrainedTags})", name);
        }
        RepoRef ref = RepoRef.parse(p.hubId());
        ModelConfig config = ModelRegistry.defaults().config(p);
        config.name = p.name();
        return new Resolved(config, weights(client, ref, p.hubFilename()));
    }

    /** A Hub repository id, with an optional {@code @revision}. */
    public static Resolved resolve(String spec, HubClient client) {
        RepoRef ref = RepoRef.parse(spec);
        Optional<Path> openClip =
                ref.repoId().startsWith("timm/") && knownTag(ref.repoId().substring(5)) != null
                        ? Optional.empty()
                        : client.downloadIfExists(ref, "open_clip_config.json");
        if (openClip.isPresent()) {
            return openClip(openClip.get(), ref, client);
        }
        if (ref.repoId().startsWith("timm/")) {
            String name = ref.repoId().substring("timm/".length());
            PretrainedConfig known = knownTag(name);
            if (known != null) {
                ModelConfig config = ModelRegistry.defaults().config(known);
                config.name = known.name();
                return new Resolved(config, weights(client, ref, known.hubFilename()));
            }
            return new Resolved(timmConfig(client.download(ref, "config.json"), ref), weights(client, ref, null));
        }
        Path configFile = client.download(ref, "config.json");
        client.downloadIfExists(ref, "preprocessor_config.json"); // beside config.json, where Configs.read looks
        ModelConfig config = Configs.read(configFile);
        config.name = ref.repoId();
        return new Resolved(config, weights(client, ref, null));
    }

    /**
     * An open_clip repository ({@code hf-hub:timm/ViT-B-16-SigLIP}): its config, weights and, where its text tower
     * uses a Hugging Face tokenizer, that tokenizer's files from the repository {@code hf_tokenizer_name} names.
     */
    private static Resolved openClip(Path configFile, RepoRef ref, HubClient client) {
        ModelConfig config = Configs.readOpenClip(configFile.getParent());
        config.name = ref.repoId();
        Path tokenizerDirectory = null;
        if (config.text != null && config.text.tokenizer.equals("directory")) {
            String tokenizerRepo = openClipTokenizerRepo(configFile, ref);
            RepoRef t = tokenizerRepo.equals(ref.repoId()) ? ref : RepoRef.parse(tokenizerRepo);
            for (String file : TOKENIZER_FILES) {
                Optional<Path> p = client.downloadIfExists(t, file);
                if (p.isPresent()) {
                    tokenizerDirectory = p.get().getParent();
                }
            }
            if (tokenizerDirectory == null) {
                throw new Vit4jException(t + " holds no tokenizer files (" + String.join(", ", TOKENIZER_FILES) + ")");
            }
        }
        for (String name : OPEN_CLIP_WEIGHT_FILES) {
            Optional<Path> p = client.downloadIfExists(ref, name);
            if (p.isPresent()) {
                return new Resolved(config, p.get(), tokenizerDirectory);
            }
        }
        throw new Vit4jException(ref + " has neither " + String.join(" nor ", OPEN_CLIP_WEIGHT_FILES));
    }

    /** {@code text_cfg.hf_tokenizer_name}, or the repository itself. */
    private static String openClipTokenizerRepo(Path configFile, RepoRef ref) {
        try {
            String name = new ObjectMapper()
                    .readTree(configFile.toFile())
                    .path("model_cfg")
                    .path("text_cfg")
                    .path("hf_tokenizer_name")
                    .asText("");
            return name.isEmpty() ? ref.repoId() : name;
        } catch (IOException e) {
            throw new Vit4jException(ref + "'s open_clip_config.json is not JSON");
        }
    }

    private static PretrainedConfig knownTag(String name) {
        int dot = name.indexOf('.');
        if (dot < 0 || ModelRegistry.defaults().pretrained(name.substring(0, dot)) == null) {
            return null;
        }
        try {
            return ModelRegistry.defaults().pretrained(name);
        } catch (Vit4jException unknownTag) {
            return null; // a tag newer than the table: the repository's own config.json says what it is
        }
    }

    /** timm's hub {@code config.json}: {@code architecture}, {@code num_classes} and its {@code pretrained_cfg}. */
    private static ModelConfig timmConfig(Path file, RepoRef ref) {
        ObjectMapper json = new ObjectMapper();
        JsonNode c;
        try {
            c = json.readTree(file.toFile());
        } catch (IOException e) {
            throw new Vit4jException(ref + "'s config.json is not JSON (" + Configs.firstLine(e.getMessage()) + ")");
        }
        String arch = c.path("architecture").asText(null);
        if (arch == null || !ModelRegistry.defaults().entries().containsKey(arch)) {
            throw Vit4jException.naming(
                    "%s is a timm %s, which vit4j does not build (see {registeredModels})",
                    ref, arch == null ? "model without an architecture" : "'" + arch + "'");
        }
        ModelConfig config = ModelRegistry.defaults().config(arch);
        config.name = ref.repoId().substring("timm/".length());
        config.numClasses = c.path("num_classes").asInt(config.numClasses);
        JsonNode pc = c.get("pretrained_cfg");
        if (pc != null && pc.isObject()) {
            DataConfig d = config.resolvedDataConfig();
            config.dataConfig = new DataConfig(
                    orElse(json, pc.get("input_size"), int[].class, d.inputSize()),
                    pc.path("interpolation").asText(d.interpolation()),
                    pc.path("crop_pct").asDouble(d.cropPct()),
                    pc.path("crop_mode").asText(d.cropMode()),
                    null,
                    orElse(json, pc.get("mean"), double[].class, d.mean()),
                    orElse(json, pc.get("std"), double[].class, d.std()));
        }
        return config.validate();
    }

    private static Path weights(HubClient client, RepoRef ref, String file) {
        if (file != null) {
            return client.download(ref, file);
        }
        for (String name : WEIGHT_FILES) {
            Optional<Path> p = client.downloadIfExists(ref, name);
            if (p.isPresent()) {
                return p.get();
            }
        }
        throw new Vit4jException(ref + " has neither " + String.join(" nor ", WEIGHT_FILES));
    }

    private static <T> T orElse(ObjectMapper json, JsonNode n, Class<T> type, T fallback) {
        return n == null || !n.isArray() ? fallback : json.convertValue(n, type);
    }
}
