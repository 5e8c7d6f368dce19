package dev.vit4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.DataConfig;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "models", description = "List the architectures: parameters, GFLOPs, input size and data config.")
final class ModelsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "One JSON array with every entry.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode array = mapper.createArrayNode();
        if (!json) {
            out.printf("%-24s %10s %8s %-11s %-8s %8s  %s%n", "model", "params", "GFLOPs", "input", "interp",
                    "crop_pct", "mean / std");
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
                out.printf(Locale.ROOT, "%-24s %9.2fM %8.2f %-11s %-8s %8.3f  %s / %s%n", name, params / 1e6, gflops,
                        d.channels() + "x" + d.height() + "x" + d.width(), d.interpolation(), d.cropPct(),
                        Arrays.toString(d.mean()), Arrays.toString(d.std()));
            }
        }
        if (json) {
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array));
        }
        out.flush();
        return 0;
    }
}
