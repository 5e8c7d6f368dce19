package dev.vit4j.models.perceiver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vit4j.Vit4jException;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.VisionModel;
import dev.vit4j.nn.AttentionRecorder;
import dev.vit4j.nn.Dropout;
import dev.vit4j.nn.ForwardContext;
import dev.vit4j.nn.Initializer;
import dev.vit4j.nn.LayerNorm;
import dev.vit4j.nn.Linear;
import dev.vit4j.nn.MlpActivation;
import dev.vit4j.nn.Module;
import dev.vit4j.nn.Parameter;
import dev.vit4j.nn.PatchEmbed;
import dev.vit4j.nn.PendingResidual;
import dev.vit4j.nn.Sequence;
import dev.vit4j.nn.TransformerBlock;
import dev.vit4j.onnx.OnnxExport;
import dev.vit4j.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Perceiver, "General Perception with Iterative Attention" (Jaegle et al. 2021), as Keras' example "Image classification with Perceiver" builds it
 * for images: patches of any size (1 = one pixel per element) projected linearly, in row-major order, plus
 * a learned position embedding (the example) or the paper's Fourier features; a learned latent array
 * (L × D) reads the data through {@link CrossAttentionBlock} and is refined by a latent transformer of
 * {@code depth} pre-norm blocks; {@code num_iterations} repetitions of the two, with weights shared across
 * iterations (the example) or, with {@code share_weights: false}, the first iteration on its own weights and the
 * later ones on a second shared set (the paper); a final LayerNorm, the average over latents, a linear head.
 * Cost grows linearly with the number of inputs: attention touches them only through L × N products.
 * <p>Departures from the example, on purpose: its {@code call} uses an undefined {@code self.patcher}
 * (the {@code Patches} layer is meant); its latent transformer uses Keras' {@code key_dim = D} per head
 * (H·D wide attention) where we split D over the heads as every other transformer here does; its classifier
 * puts a Dense+GELU layer before the logits and dropout after them — we use the paper's LayerNorm → mean →
 * linear head; residuals are pre-norm (see {@link CrossAttentionBlock}). Fourier features enter, as in the
 * paper, concatenated to each patch before the projection: here as a second linear map {@code pos_proj} of
 * the fixed feature table added to the patch projection, which is the same thing.
 */
public final class Perceiver extends VisionModel {
    /** Key of iteration {@code k}'s cross-attention maps: B × heads × latents × inputs. */
    public static String crossAttentionKey(int iteration) {
        return AttentionRecorder.ATTENTION + ".cross_attention" + iterationSuffix(iteration);
    }

    private static String iterationSuffix(int iteration) {
        return ".iteration_" + iteration;
    }

    /** One set of weights for an iteration: the cross-attention module and the latent transformer. */
    private record Stage(CrossAttentionBlock cross, List<TransformerBlock> blocks) {}

    private final PatchEmbed patchEmbed;
    private final Parameter posEmbed;
    private final Parameter fourierFeatures;
    private final Linear posProj;
    private final Parameter latents;
    private final Stage first;
    private final Stage rest;
    private final LayerNorm norm;
    private final PerceiverOptions options;

    public Perceiver(ModelConfig config) {
        super(config);
        if (!PerceiverFamily.ARCH.equals(config.arch)) {
            throw new IllegalArgumentException("not a Perceiver config: " + config.arch);
        }
        this.options = PerceiverOptions.of(config);
        int dim = config.embedDim;
        int grid = config.gridHeight() * config.gridWidth();
        this.patchEmbed = child("patch_embed", new PatchEmbed(config.inChans, config.patchSize, dim));
        if ("fourier".equals(config.posEmbed)) {
            int[] mu = options.fourierMaxResolution() != null
                    ? options.fourierMaxResolution()
                    : new int[] {config.gridHeight(), config.gridWidth()};
            int width = FourierFeatures.size(options.fourierBands());
            this.fourierFeatures = buffer(
                    "fourier_features",
                    new Shape(1, grid, width),
                    FourierFeatures.initializer(config.gridHeight(), config.gridWidth(), options.fourierBands(), mu));
            this.posProj = child("pos_proj", new Linear(width, dim, false));
            this.posEmbed = null;
        } else {
            this.posEmbed =
                    parameterWithoutDecay("pos_embed", new Shape(1, grid, dim), Initializer.truncatedNormal(0.02));
            this.fourierFeatures = null;
            this.posProj = null;
        }
        this.latents = parameterWithoutDecay(
                "latents", new Shape(1, options.numLatents(), dim), Initializer.truncatedNormal(0.02));
        this.first = stage("cross_attention", "latent_blocks");
        this.rest = options.shareWeights() || options.numIterations() == 1
                ? first
                : stage("cross_attention_rest", "latent_blocks_rest");
        this.norm = child("norm", new LayerNorm(dim, config.layerNormEps));
        addHead();
    }

    private Stage stage(String crossName, String blocksName) {
        ModelConfig c = config;
        int dim = c.embedDim;
        int hidden = (int) (dim * c.mlpRatio);
        CrossAttentionBlock cross = child(
                crossName,
                new CrossAttentionBlock(
                        dim, options.crossHeads(), hidden, c.layerNormEps, (float) c.dropRate, (float) c.attnDropRate));
        Sequence seq = child(blocksName, new Sequence());
        List<TransformerBlock> blocks = new ArrayList<>();
        for (int i = 0; i < c.depth; i++) {
            blocks.add(seq.add(new TransformerBlock(
                    dim,
                    c.numHeads,
                    hidden,
                    c.qkvBias,
                    null,
                    c.layerNormEps,
                    (float) c.dropRate,
                    (float) c.attnDropRate,
                    c.dropPathAt(i, c.depth),
                    MlpActivation.GELU)));
        }
        return new Stage(cross, blocks);
    }

    /** The modules iteration {@code k} runs (the same objects for every iteration when weights are shared). */
    public List<Module> iterationModules(int k) {
        Stage s = k == 0 ? first : rest;
        List<Module> out = new ArrayList<>();
        out.add(s.cross());
        out.addAll(s.blocks());
        return out;
    }

    @Override
    public NDArray forwardPreLogits(NDArray images, ForwardContext ctx) {
        NDArray x = patchEmbed.forward(images);
        if (x.getShape().get(1) != inputElements()) {
            throw new Vit4jException("input gives " + x.getShape().get(1) + " elements but " + config.name
                    + " is built for " + config.gridHeight() + "×" + config.gridWidth() + " (image " + config.height()
                    + "×" + config.width() + ")");
        }
        NDArray position = posEmbed != null ? posEmbed.array() : posProj.forward(fourierFeatures.array());
        NDArray data = Dropout.apply(x.add(position), (float) config.dropRate, ctx);
        NDArray latent = latents.array().broadcast(data.getShape().get(0), options.numLatents(), config.embedDim);
        AttentionRecorder recorder = ctx.recorder();
        // The data's keys and values depend only on the weights: computed once per weight set, not per iteration.
        Map<CrossAttentionBlock, NDArray[]> keysValues = new IdentityHashMap<>();
        for (int k = 0; k < options.numIterations(); k++) {
            if (recorder != null) {
                recorder.suffix(iterationSuffix(k));
            }
            Stage s = k == 0 ? first : rest;
            latent = s.cross()
                    .forward(
                            latent,
                            keysValues.computeIfAbsent(s.cross(), c -> c.keysValues(data)),
                            "cross_attention",
                            ctx);
            for (TransformerBlock block : s.blocks()) {
                latent = block.forward(latent, ctx);
            }
        }
        if (recorder != null) {
            recorder.suffix("");
        }
        return norm.forward(latent).mean(new int[] {1});
    }

    private long inputElements() {
        return (long) config.gridHeight() * config.gridWidth();
    }

    @Override
    protected String exportPreLogits(OnnxExport e, String pixels) {
        OnnxGraph g = e.graph();
        int dim = config.embedDim;
        String position = posEmbed != null
                ? g.initializer(
                        "pos_embed",
                        posEmbed.shape().getShape(),
                        posEmbed.array().toFloatArray())
                : posProj.export(
                        e,
                        g.initializer(
                                "fourier_features",
                                fourierFeatures.shape().getShape(),
                                fourierFeatures.array().toFloatArray()));
        String x = g.node("Add", new String[] {patchEmbed.export(g, pixels), position});
        String latent = g.expandToBatch(
                g.initializer(
                        "latents", latents.shape().getShape(), latents.array().toFloatArray()),
                x,
                options.numLatents(),
                dim);
        Map<CrossAttentionBlock, String[]> keysValues = new IdentityHashMap<>();
        for (int k = 0; k < options.numIterations(); k++) {
            e.suffix(iterationSuffix(k));
            Stage s = k == 0 ? first : rest;
            PendingResidual stream = PendingResidual.of(s.cross()
                    .export(
                            e,
                            latent,
                            keysValues.computeIfAbsent(s.cross(), c -> c.exportKeysValues(e, x, dim)),
                            "cross_attention",
                            dim));
            for (TransformerBlock block : s.blocks()) {
                stream = block.export(e, stream, dim, false);
            }
            latent = stream.sum(g);
        }
        e.suffix("");
        return g.meanTokens(norm.export(g, latent), 0);
    }
}
