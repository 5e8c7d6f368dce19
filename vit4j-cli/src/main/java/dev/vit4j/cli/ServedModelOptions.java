package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.hub.HubModels;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.serve.VitServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * {@code -m [NAME=]MODEL} (repeatable) and {@code -w FILE} (one model) or {@code -w NAME=FILE}: the named models of
 * {@code serve} and {@code loadtest}.
 */
final class ServedModelOptions {
    @Option(
            names = {"-m", "--model"},
            paramLabel = "[NAME=]MODEL",
            description = "A model to serve "
                    + "(repeatable): a Hub name (timm/NAME.TAG, a transformers repo), an architecture with pretrained weights "
                    + "(or with -w), or a model directory (a `vit4j train` run, a directory with config.json). NAME defaults to "
                    + "its last part. Default: none (serve: the models of its --index).")
    List<String> models = new ArrayList<>();

    @Option(
            names = {"-w", "--weights"},
            paramLabel = "FILE|NAME=FILE",
            description = "Weights when -m gives an architecture: .safetensors, .pth/.bin or .npz. With one model, the"
                    + " file; with several, NAME=FILE for each (repeatable). Default: none (Hub models and model"
                    + " directories bring their own).")
    List<String> weightSpecs = new ArrayList<>();

    /** Each model by name, loaded when called (the server loads in the background and reports failures). */
    Map<String, Supplier<LoadedModel>> sources(PrintWriter err) {
        Map<String, Path> weights = weights();
        Map<String, Supplier<LoadedModel>> sources = new LinkedHashMap<>();
        for (String spec : models) {
            int eq = spec.indexOf('=');
            String model = eq > 0 ? spec.substring(eq + 1) : spec;
            String name = eq > 0 ? spec.substring(0, eq) : defaultName(model);
            if (sources.put(name, resolver(err).source(model, weights.get(name))) != null) {
                throw new Vit4jException("two models named '" + name + "': name them, -m NAME=MODEL");
            }
        }
        for (String name : weights.keySet()) {
            if (!sources.containsKey(name)) {
                throw new Vit4jException("-w " + name + "=...: no model named '" + name + "' (have "
                        + String.join(", ", sources.keySet()) + ")");
            }
        }
        return sources;
    }

    /** {@code -w}: one file for the one model, else NAME=FILE for each model that needs one. */
    private Map<String, Path> weights() {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String w : weightSpecs) {
            int eq = w.indexOf('=');
            if (eq < 0 && models.size() == 1 && weightSpecs.size() == 1) {
                String m = models.get(0);
                int named = m.indexOf('=');
                out.put(named > 0 ? m.substring(0, named) : defaultName(m), Path.of(w));
            } else if (eq > 0) {
                out.put(w.substring(0, eq), Path.of(w.substring(eq + 1)));
            } else {
                throw new Vit4jException("-w " + w + ": with " + models.size() + " models, say whose weights these"
                        + " are: -w NAME=FILE (e.g. -m deit=deit_tiny_patch16_224 -w deit=deit.safetensors)");
            }
        }
        return out;
    }

    /** Where a model comes from, given as -m and -w give it: also for the server's load requests. */
    static VitServer.ModelSources resolver(PrintWriter err) {
        return (model, file) -> file != null
                ? () -> LoadedModel.load(model, file)
                : () -> HubModels.open(model, ModelOptions.hubClient(err));
    }

    /** {@code timm/deit_tiny_patch16_224.fb_in1k} → {@code deit_tiny_patch16_224.fb_in1k}; {@code runs/shapes/best} → {@code shapes}. */
    static String defaultName(String model) {
        String m = model.replaceAll("[/\\\\]+$", "");
        int at = m.indexOf('@');
        if (at > 0) {
            m = m.substring(0, at);
        }
        String last = m.substring(Math.max(m.lastIndexOf('/'), m.lastIndexOf(':')) + 1);
        if ((last.equals("best") || last.equals("last")) && m.lastIndexOf('/') > 0) {
            return defaultName(m.substring(0, m.lastIndexOf('/')));
        }
        return last;
    }
}
