package dev.vit4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.image.DataConfig;
import dev.vit4j.io.Json;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.models.PretrainedConfig;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "models",
        description = "List the architectures: parameters, GFLOPs, input size and data config; "
                + "with --pretrained, timm's pretrained weights by name (usable as -m timm/NAME).")
final class ModelsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "One JSON array with every entry.")
    boolean json;

    @Option(
            names = "--pretrained",
            description = "List the pretrained weights (timm 0.9.16's tags), default tag first.")
    boolean pretrained;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        ObjectMapper mapper = Json.mapper();
        ArrayNode array = mapper.createArrayNode();
        if (pretrained) {
            listPretrained(out, mapper, array);
            return 0;
        }
        // The name column as wide as the longest name, so every row lines up.
        String nameColumn = "%-"
                + ModelRegistry.defaults().entries().keySet().stream()
                        .mapToInt(String::length)
                        .max()
                        .orElse(24)
                + "s";
        if (!json) {
            out.printf(
                    nameColumn + " %10s %8s %-11s %-8s %8s  %s%n",
                    "model",
                    "params",
                    "GFLOPs",
                    "input",
                    "interp",
                    "crop_pct",
                    "mean / std");
        }
        for (String name : ModelRegistry.defaults().entries().keySet()) {
            ModelConfig c = ModelRegistry.defaults().config(name);
            long params = ModelRegistry.build(c).parameterCount();
            double gflops = Complexity.gmacs(c);
            DataConfig d = c.resolvedDataConfig();
            if (json) {
                ObjectNode o = array.addObject();
                o.put("name", name);
                o.put("family", c.arch);
                o.put("params", params);
                o.put("gflops", Math.round(gflops * 1000) / 1000.0);
                o.set("data_config", mapper.valueToTree(d));
                o.set("config", mapper.readTree(dev.vit4j.models.Configs.toJson(c)));
            } else {
                out.printf(
                        Locale.ROOT,
                        nameColumn + " %9.2fM %8.2f %-11s %-8s %8.3f  %s / %s%n",
                        name,
                        params / 1e6,
                        gflops,
                        d.channels() + "x" + d.height() + "x" + d.width(),
                        d.interpolation(),
                        d.cropPct(),
                        Arrays.toString(d.mean()),
                        Arrays.toString(d.std()));
            }
        }
        if (json) {
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array));
        }
        out.flush();
        return 0;
    }

    private void listPretrained(java.io.PrintWriter out, ObjectMapper mapper, ArrayNode array) throws Exception {
        if (!json) {
            out.printf(
                    "%-52s %7s  %-17s %-8s %8s  %s%n",
                    "name (-m timm/NAME)", "classes", "labels", "interp", "crop_pct", "input");
        }
        for (var tags : ModelRegistry.defaults().pretrained().values()) {
            for (PretrainedConfig p : tags) {
                DataConfig d = p.dataConfig();
                if (json) {
                    ObjectNode o = array.addObject();
                    o.put("name", p.name());
                    o.put("default", p.equals(tags.get(0)));
                    o.put("hf_hub_id", p.hubId());
                    o.put("num_classes", p.numClasses());
                    o.put("head", p.head());
                    o.put("label_set", p.labelSet());
                    o.put("license", p.license());
                    o.set("data_config", mapper.valueToTree(d));
                } else {
                    out.printf(
                            Locale.ROOT,
                            "%-52s %7d  %-17s %-8s %8.3f  %s%n",
                            p.name() + (p.equals(tags.get(0)) ? " *" : ""),
                            p.numClasses(),
                            p.labelSet() != null
                                    ? p.labelSet()
                                    : p.numClasses() == 0
                                            ? "(features only)"
                                            : ModelConfig.PROJECTION.equals(p.head())
                                                    ? "(projection)"
                                                    : "(no class names)",
                            d.interpolation(),
                            d.cropPct(),
                            d.channels() + "x" + d.height() + "x" + d.width());
                }
            }
        }
        if (json) {
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array));
        } else {
            out.println("* the default tag: -m ARCH --pretrained");
        }
        out.flush();
    }
}
