package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.serve.ServeOptions;
import dev.vit4j.serve.VitServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "serve",
        description = {
            "An HTTP inference service.",
            "/v1: POST /v1/models/NAME/predict|embed|attention|embed-text|zero-shot,",
            "GET /v1/models; with --index, GET /v1/indexes, POST /v1/indexes/NAME/search,",
            "POST and DELETE /v1/indexes/NAME/images;",
            "/health/live, /health/ready, /metrics (Prometheus), /openapi.json, and the",
            "attention explorer page at /.",
            "/v2, the Open Inference Protocol (KServe v2, REST): GET /v2,",
            "/v2/health/live|ready, /v2/models/NAME[/ready], POST /v2/models/NAME/infer",
            "(binary tensor data and classification extensions); with --model-control,",
            "POST /v2/repository/index and /v2/repository/models/NAME/load|unload.",
            "Requests for a model are batched (--max-batch, --max-delay-ms, --workers);",
            "a full queue answers 503, a deadline 504.",
            "SIGTERM or Ctrl-C: stop taking requests, answer everything queued, exit 0.",
            "Out of memory: stop taking requests, exit 1 (for a supervisor to restart)."
        })
final class ServeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ServedModelOptions modelOptions = new ServedModelOptions();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (127.0.0.1: loopback only).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (0: any free one).")
    int port;

    @picocli.CommandLine.Mixin
    BatchingOptions batching = new BatchingOptions();

    @Option(
            names = "--api-key",
            defaultValue = "${env:VIT4J_API_KEY}",
            description = "Require 'Authorization: Bearer KEY' "
                    + "on every route but health and the page (default: $VIT4J_API_KEY; none if unset).")
    String apiKey;

    @picocli.CommandLine.Mixin
    EngineOptions engineOptions = new EngineOptions();

    @Option(
            names = "--model-control",
            description = "Open the model repository routes (POST /v2/repository/index, /v2/repository/models/NAME"
                    + "/load|unload): to loopback clients, or to any client with the API key.")
    boolean modelControl;

    @Option(
            names = "--index",
            paramLabel = "NAME=DIR",
            description = "Serve a vector index (`vit4j index -o DIR`) at /v1/indexes/NAME, with the model it records"
                    + " (loaded as NAME, unless -m names a model NAME; repeatable). Default: none.")
    Map<String, Path> indexes = new LinkedHashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ServeOptions options =
                batching.options(host, port, apiKey, engineOptions).withModelControl(modelControl);
        Map<String, Supplier<LoadedModel>> sources = modelOptions.sources(err);
        for (Map.Entry<String, Path> index : indexes.entrySet()) {
            if (!sources.containsKey(index.getKey())) {
                ModelOptions model = ModelOptions.recordedIn(index.getValue());
                sources.put(index.getKey(), () -> model.load(err));
            }
        }
        if (sources.isEmpty()) {
            throw new Vit4jException("give a model to serve (-m [NAME=]MODEL) or an index (--index NAME=DIR)");
        }
        try (StopOnSignal signal = new StopOnSignal();
                VitServer server = VitServer.start(sources, options, ServedModelOptions.resolver(err))) {
            String url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
            out.println("vit4j serve: listening on " + url + ", loading " + String.join(", ", sources.keySet()));
            out.flush();
            while (!server.awaitReady(100)) {
                if (signal.requested()) {
                    return 0; // stopped while loading: nothing was served
                }
            }
            indexes.forEach((name, dir) -> server.openIndex(name, dir, name));
            out.println("ready: " + url + "/ (explorer), " + url + "/openapi.json, " + url + "/metrics");
            out.flush();
            while (!signal.requested() && server.failure().isEmpty()) {
                Thread.sleep(100);
            }
            if (server.failure().isPresent()) {
                err.println("vit4j: serve: " + Main.outOfMemory(server.failure().get())
                        + "; stopped taking requests and exited");
                err.flush();
                return Main.INTERNAL_ERROR;
            }
            out.println("vit4j serve: stopping: answering what is queued, taking nothing new");
            out.flush();
        }
        out.println("vit4j serve: stopped");
        out.flush();
        return 0;
    }
}
