package dev.vit4j.models;

import dev.vit4j.Vit4jException;
import dev.vit4j.models.cait.CaitFamily;
import dev.vit4j.models.clip.ClipFamily;
import dev.vit4j.models.perceiver.PerceiverFamily;
import dev.vit4j.models.vit.VitFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Architectures by timm name; each family file registers its own entries. */
public final class ModelRegistry {
    /**
     * The family two-tower models' image towers belong to: CLIP's and SigLIP's are vision transformers (Radford et al.
     * 2021, Zhai et al. 2023), which the text family's configs name without depending on the vit package.
     */
    public static final String IMAGE_TOWER_ARCH = VitFamily.ARCH;

    private static final ModelRegistry DEFAULT = createDefault();

    private final Map<String, Supplier<ModelConfig>> entries = new LinkedHashMap<>();
    private final Map<String, ModelFamily> families = new LinkedHashMap<>();
    private final Map<String, List<PretrainedConfig>> pretrained = new LinkedHashMap<>();
    private TextFamily text;

    private static ModelRegistry createDefault() {
        ModelRegistry r = new ModelRegistry();
        VitFamily.register(r);
        CaitFamily.register(r);
        PerceiverFamily.register(r);
        ClipFamily.register(r);
        return r;
    }

    public static ModelRegistry defaults() {
        return DEFAULT;
    }

    /** A family: the configs that say {@code arch: family.arch()} are its to build and describe. */
    public void registerFamily(ModelFamily family) {
        families.put(family.arch(), family);
    }

    /** The text towers two-tower models are built with. */
    public void registerTextFamily(TextFamily family) {
        text = family;
    }

    /** The text family: builds text towers, reads their checkpoints and two-tower configs. */
    static TextFamily textFamily() {
        return DEFAULT.text;
    }

    /** A two-tower model's text tower. */
    public static TextModel buildText(TextConfig config) {
        return DEFAULT.text.build(config);
    }

    /** The family registered for {@code arch}; an unknown one is one clear line naming those there are. */
    public static ModelFamily family(String arch) {
        ModelFamily f = familyOrNull(arch);
        if (f == null) {
            throw new Vit4jException("unknown architecture family '" + arch + "' (have " + families() + ")");
        }
        return f;
    }

    static ModelFamily familyOrNull(String arch) {
        return arch == null ? null : DEFAULT.families.get(arch);
    }

    /** The registered families' {@code arch} names, comma-separated. */
    static String families() {
        return String.join(", ", DEFAULT.families.keySet());
    }

    /** A {@code transformers} config.json read by the family of its {@code model_type}; null when none reads it. */
    static ModelConfig fromHuggingFace(com.fasterxml.jackson.databind.JsonNode config, Path file) {
        String type = config.path("model_type").asText();
        for (ModelFamily f : DEFAULT.families.values()) {
            if (f.huggingFaceModelTypes().contains(type)) {
                return f.fromHuggingFace(config, file);
            }
        }
        if (DEFAULT.text.huggingFaceModelTypes().contains(type)) {
            return DEFAULT.text.fromHuggingFace(config, file);
        }
        return null;
    }

    static String huggingFaceModelTypes() {
        return java.util.stream.Stream.concat(
                        DEFAULT.families.values().stream().flatMap(f -> f.huggingFaceModelTypes().stream()),
                        DEFAULT.text.huggingFaceModelTypes().stream())
                .map(t -> '"' + t + '"')
                .sorted()
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * A checkpoint under timm's names, when some family recognises its layout as another library's ({@link
     * ModelFamily#checkpoint}); {@code file} itself otherwise.
     */
    public static dev.vit4j.weights.TensorSource checkpoint(dev.vit4j.weights.TensorSource file) {
        for (ModelFamily f : DEFAULT.families.values()) {
            dev.vit4j.weights.TensorSource converted = f.checkpoint(file);
            if (converted != file) {
                return converted;
            }
        }
        return file;
    }

    public void register(String name, Supplier<ModelConfig> config) {
        entries.put(name, config);
    }

    /**
     * A family's pretrained table (a resource beside {@code owner}, from {@code tools/timm_pretrained_configs.py}); an
     * architecture's data config is its default tag's.
     */
    public void registerPretrained(Class<?> owner, String resource) {
        PretrainedConfig.readTable(owner, resource).forEach((arch, tags) -> {
            if (!entries.containsKey(arch)) {
                throw new IllegalStateException("pretrained weights for an unregistered architecture " + arch);
            }
            pretrained.put(arch, tags);
        });
    }

    public Map<String, Supplier<ModelConfig>> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** The names of the registered architectures, in the order they were registered. */
    public List<String> registeredModels() {
        return List.copyOf(entries.keySet());
    }

    /** Every pretrained tag as {@code arch.tag}, each architecture's default first. */
    public List<String> pretrainedTags() {
        return pretrained.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(t -> e.getKey() + "." + t.tag()))
                .toList();
    }

    /** Every architecture's pretrained weights, the default tag first. */
    public Map<String, List<PretrainedConfig>> pretrained() {
        return Collections.unmodifiableMap(pretrained);
    }

    /** {@code arch.tag}, or {@code arch} for timm's default tag; null when {@code name} has no pretrained weights. */
    public PretrainedConfig pretrained(String name) {
        int dot = name.indexOf('.');
        String arch = dot < 0 ? name : name.substring(0, dot);
        List<PretrainedConfig> tags = pretrained.get(arch);
        if (tags == null) {
            return null;
        }
        if (dot < 0) {
            return tags.get(0);
        }
        String tag = name.substring(dot + 1);
        return tags.stream()
                .filter(t -> t.tag().equals(tag))
                .findFirst()
                .orElseThrow(() -> new Vit4jException("no pretrained tag '" + tag + "' for " + arch + " (timm has: "
                        + String.join(
                                ", ", tags.stream().map(PretrainedConfig::tag).toList()) + ")"));
    }

    /** The architecture as the pretrained weights need it: their classes and data config. */
    public ModelConfig config(PretrainedConfig weights) {
        return withWeights(config(weights.architecture()), weights).validate();
    }

    /** The head (classes, classifier or projection) and data config of {@code weights}, as timm.create_model takes them. */
    private static ModelConfig withWeights(ModelConfig c, PretrainedConfig weights) {
        c.numClasses = weights.numClasses();
        c.head = weights.head();
        c.dataConfig = weights.dataConfig();
        return c;
    }

    /** A registered name, or the path of a JSON config file. */
    public ModelConfig config(String nameOrFile) {
        Supplier<ModelConfig> s = entries.get(nameOrFile);
        if (s != null) {
            ModelConfig c = s.get();
            List<PretrainedConfig> tags = pretrained.get(nameOrFile);
            if (tags != null && c.dataConfig == null) {
                withWeights(c, tags.get(0)); // as timm.create_model(name): the default tag's
            }
            return c.validate();
        }
        Path p = Path.of(nameOrFile);
        if (nameOrFile.endsWith(".json") || Files.isRegularFile(p)) {
            return Configs.read(p);
        }
        List<String> near = similar(nameOrFile, entries.keySet());
        throw Vit4jException.naming(
                "unknown model '%s' (%ssee {registeredModels}; or give a config .json)",
                nameOrFile, near.isEmpty() ? "" : "did you mean " + String.join(", ", near) + "? ");
    }

    /**
     * Up to three of {@code names} a user most likely meant by {@code typed}: those containing it (shortest first),
     * else those within a few edits of it (nearest first).
     */
    public static List<String> similar(String typed, java.util.Collection<String> names) {
        String t = typed.toLowerCase(java.util.Locale.ROOT);
        List<String> containing = names.stream()
                .filter(n ->
                        t.length() >= 3 && n.toLowerCase(java.util.Locale.ROOT).contains(t))
                .sorted(java.util.Comparator.comparingInt(String::length).thenComparing(n -> n))
                .limit(3)
                .toList();
        if (!containing.isEmpty()) {
            return containing;
        }
        int limit = Math.max(2, t.length() / 4);
        return names.stream()
                .filter(n -> editDistance(t, n.toLowerCase(java.util.Locale.ROOT)) <= limit)
                .sorted(java.util.Comparator.comparingInt(
                                (String n) -> editDistance(t, n.toLowerCase(java.util.Locale.ROOT)))
                        .thenComparing(n -> n))
                .limit(3)
                .toList();
    }

    /** Levenshtein's distance: insertions, deletions and substitutions. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The model a config describes, built by the family that registered its {@code arch}. */
    public static VisionModel build(ModelConfig config) {
        VisionModel model = family(config.arch).build(config);
        refuseBeyondMemory(model);
        return model;
    }

    /**
     * Building lays out the parameters' shapes only; their memory comes later. Each size in a config has its own
     * limit ({@link ModelConfig#validate}), but together they can still ask for petabytes (depth 4096 × width
     * 65536): such a model is refused here, before the first allocation, rather than killed by the system.
     */
    private static void refuseBeyondMemory(VisionModel model) {
        long params = model.parameterCount();
        long physical = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize()
                : 0;
        if (physical > 0 && params > physical / Float.BYTES) {
            throw new dev.vit4j.Vit4jException(String.format(
                    java.util.Locale.ROOT,
                    "%s: %.3g billion parameters need %.0f GB for the weights alone; this machine has %.0f GB",
                    model.config().name,
                    params / 1e9,
                    params * (double) Float.BYTES / 1e9,
                    physical / 1e9));
        }
    }
}
