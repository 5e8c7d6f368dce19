package dev.vit4j.cli;

import dev.vit4j.Vit4jException;
import dev.vit4j.hub.HubClient;
import dev.vit4j.hub.HubModels;
import dev.vit4j.hub.HubSettings;
import dev.vit4j.hub.RepoRef;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.io.Hashes;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.ModelRegistry;
import dev.vit4j.search.VitIndex;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -m}, {@code -w} and {@code --pretrained}, shared by the commands that load a trained model. */
final class ModelOptions {
    @Option(
            names = {"-m", "--model"},
            paramLabel = "MODEL",
            description = "Architecture name (see `vit4j models`) or config .json; or a Hub "
                    + "model: timm/NAME.TAG (hf-hub:timm/... as timm writes it), a transformers ViT repo such as "
                    + "google/vit-base-patch16-224; @REVISION pins one. Default: the config of the model directory"
                    + " -w names.")
    String model;

    @Option(
            names = {"-w", "--weights"},
            paramLabel = "WEIGHTS",
            description = "Weights: .safetensors (timm or Hugging Face names), .pth/.bin "
                    + "(torch.save, read without running code), Google .npz, a directory with config.json and weights, or a "
                    + "`vit4j train` output directory. Default: none (a Hub model brings its own).")
    Path weights;

    @Option(
            names = "--pretrained",
            description = "Download timm's pretrained weights for -m ARCH[.TAG] "
                    + "(default tag: see `vit4j models --pretrained`).")
    boolean pretrained;

    @Option(
            names = "--img-size",
            paramLabel = "SIZE|HxW",
            converter = ImageSize.Converter.class,
            description = "Run at another input size than the model was made for (e.g. 224 for DINOv2's 518): the"
                    + " position table is resampled as timm's resample_abs_pos_embed does, and images are prepared at"
                    + " that size. Default: the model's own.")
    ImageSize imgSize;

    LoadedModel load(PrintWriter err) {
        if (weights != null) {
            if (pretrained || model != null && RepoRef.looksLike(model)) {
                throw new Vit4jException(
                        "give either -w WEIGHTS or a pretrained model (-m timm/NAME, --pretrained), not both");
            }
            LoadedModel.Source s = LoadedModel.locate(model, weights);
            return LoadedModel.load(sized(s.config()), s.file(), s.directory());
        }
        HubModels.Resolved r = resolve(err);
        return LoadedModel.load(sized(r.config()), r.weights(), r.tokenizerDirectory());
    }

    /** Whether any of -m, -w, --pretrained was given. */
    boolean given() {
        return model != null || weights != null || pretrained;
    }

    /** How these options load a model, for an index to record (the weights' SHA-256 with it). */
    VitIndex.Origin origin() {
        String sha = null;
        Path abs = weights == null ? null : weights.toAbsolutePath().normalize();
        if (abs != null) {
            try {
                Path file = Files.isDirectory(abs) ? LoadedModel.weightsIn(abs) : abs;
                sha = Files.isRegularFile(file) ? Hashes.sha256(file) : null;
            } catch (Vit4jException e) {
                sha = null; // a training run's folder: its weights are found by the loader, not named here
            }
        }
        return new VitIndex.Origin(
                model,
                abs == null ? null : abs.toString(),
                sha,
                pretrained,
                imgSize == null ? null : imgSize.height() + "x" + imgSize.width());
    }

    /** These options if any was given, else those the index records: its model is loaded the way it was made. */
    ModelOptions orRecordedIn(Path index) {
        return given() ? this : recordedIn(index);
    }

    /** The options an index recorded, to load its model again. */
    static ModelOptions recordedIn(Path index) {
        VitIndex.Origin origin = VitIndex.describe(index).origin();
        if (origin == null) {
            throw new Vit4jException("the index " + index + " does not record its model: give it with -m/-w");
        }
        ModelOptions o = new ModelOptions();
        o.model = origin.model();
        o.weights = origin.weights() == null ? null : Path.of(origin.weights());
        if (o.weights != null && !Files.exists(o.weights)) {
            throw new Vit4jException("the index " + index + " was made with the weights " + o.weights
                    + ", which are gone: give the model with -m/-w");
        }
        o.pretrained = origin.pretrained();
        o.imgSize = origin.imageSize() == null ? null : new ImageSize.Converter().convert(origin.imageSize());
        return o;
    }

    private ModelConfig sized(ModelConfig config) {
        if (imgSize == null) {
            return config;
        }
        return config.atImageSize(imgSize.height(), imgSize.width());
    }

    /** The Hub model that -m names (with --pretrained for an architecture), downloaded into the Hub cache. */
    HubModels.Resolved resolve(PrintWriter err) {
        if (model == null) {
            throw new Vit4jException(
                    "give the weights with -w, or a Hub model with -m timm/NAME (or -m ARCH --pretrained)");
        }
        HubClient client = hubClient(err);
        if (pretrained) {
            return HubModels.pretrained(model, client);
        }
        if (RepoRef.looksLike(model)) {
            return HubModels.resolve(model, client);
        }
        ModelRegistry.defaults().config(model); // an unknown name is named, with the names it is close to
        throw new Vit4jException("-m " + model + " needs weights: -w FILE, or --pretrained for timm's");
    }

    /** A Hub client from the environment (HF_HOME, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE), drawing a bar on a terminal. */
    static HubClient hubClient(PrintWriter err) {
        return new HubClient(HubSettings.fromEnvironment()).listener(new HubClient.Listener() {
            private Progress bar;

            @Override
            public void started(String file, long bytes) {
                bar = Progress.bytesOnTerminal(err, file, bytes);
            }

            @Override
            public void progress(long bytesDone) {
                if (bar != null) {
                    bar.stepTo(bytesDone);
                }
            }

            @Override
            public void finished() {
                if (bar != null) {
                    bar.close();
                }
            }

            @Override
            public void retrying(String what, String reason, int next, int attempts) {
                err.println(
                        "vit4j: " + what + ": " + reason + "; trying again (attempt " + next + " of " + attempts + ")");
            }
        });
    }
}
