package dev.vit4j.models;

import dev.vit4j.Vit4jException;
import dev.vit4j.models.cait.Cait;
import dev.vit4j.models.perceiver.Perceiver;
import dev.vit4j.models.vit.VisionTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/** Architectures by timm name; each family file registers its own entries. */
public final class ModelRegistry {
    private static final ModelRegistry DEFAULT = createDefault();

    private final Map<String, Supplier<ModelConfig>> entries = new LinkedHashMap<>();
    private final Map<String, Function<ModelConfig, VisionModel>> families = new LinkedHashMap<>();
    private final Map<String, List<PretrainedConfig>> pretrained = new LinkedHashMap<>();

    private static ModelRegistry createDefault() {
        ModelRegistry r = new ModelRegistry();
        VisionTransformer.register(r);
        Cait.register(r);
        Perceiver.register(r);
        return r;
    }

    public static ModelRegistry defaults() {
        return DEFAULT;
    }

    /** A family: the models whose config says {@code arch: family} are built by {@code build}. */
    public void registerFamily(String family, Function<ModelConfig, VisionModel> build) {
        families.put(family, build);
    }

    public void register(String name, Supplier<ModelConfig> config) {
        entries.put(name, config);
    }

    /** A family's pretrained table (a resource beside this class); an architecture's data config is its default tag's. */
    public void registerPretrained(String resource) {
        PretrainedConfig.readTable(resource).forEach((arch, tags) -> {
            if (!entries.containsKey(arch)) {
                throw new IllegalStateException("pretrained weights for an unregistered architecture " + arch);
            }
            pretrained.put(arch, tags);
        });
    }

    public Map<String, Supplier<ModelConfig>> entries() {
        return Collections.unmodifiableMap(entries);
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
        ModelConfig c = config(weights.architecture());
        c.numClasses = weights.numClasses();
        c.dataConfig = weights.dataConfig();
        return c.validate();
    }

    /** A registered name, or the path of a JSON config file. */
    public ModelConfig config(String nameOrFile) {
        Supplier<ModelConfig> s = entries.get(nameOrFile);
        if (s != null) {
            ModelConfig c = s.get();
            List<PretrainedConfig> tags = pretrained.get(nameOrFile);
            if (tags != null && c.dataConfig == null) {
                c.dataConfig = tags.get(0).dataConfig();
            }
            return c.validate();
        }
        Path p = Path.of(nameOrFile);
        if (nameOrFile.endsWith(".json") || Files.isRegularFile(p)) {
            return Configs.read(p);
        }
        throw Vit4jException.naming(
                "unknown model '" + nameOrFile + "' (see {registeredModels}; or give a config .json)");
    }

    /** The model a config describes, built by the family that registered its {@code arch}. */
    public static VisionModel build(ModelConfig config) {
        Function<ModelConfig, VisionModel> family = DEFAULT.families.get(config.arch);
        if (family == null) {
            throw new Vit4jException("unknown architecture family '" + config.arch + "' (have "
                    + String.join(", ", DEFAULT.families.keySet()) + ")");
        }
        VisionModel model = family.apply(config);
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
