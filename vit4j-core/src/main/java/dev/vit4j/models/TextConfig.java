package dev.vit4j.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vit4j.Vit4jException;

/**
 * A text tower and the way its text is tokenized, with open_clip's {@code text_cfg} names (snake_case in JSON): a
 * two-tower model ({@link ModelConfig#text}) embeds images and texts into one space, as CLIP (Radford et al. 2021) and
 * SigLIP (Zhai et al. 2023) do.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class TextConfig {
    public int contextLength = 77;
    public int vocabSize = 49408;
    public int width = 512;
    public int heads = 8;
    public int layers = 12;
    public double mlpRatio = 4.0;
    /** The joint image–text space's size ({@code embed_dim}); the projection's output. */
    public int embedDim = 512;
    /** "gelu", OpenAI's "quick_gelu", or "gelu_tanh" (transformers' SigLIP). */
    public String act = "gelu";
    /** Each token sees only those before it (CLIP); SigLIP's text tower sees all ({@code no_causal_mask}). */
    public boolean causal = true;
    /**
     * Which token's features become the text's: "argmax" (at the highest id, CLIP's end token), "last" (SigLIP),
     * "first", or "eos" (the first {@link #eosId}).
     */
    public String poolType = "argmax";

    public int eosId = 2;
    /** The projection into the joint space has a bias (SigLIP's {@code nn.Linear}); CLIP's is a matrix. */
    public boolean projBias;

    public double layerNormEps = 1e-5;
    /** The pair is scored with a learned bias and a sigmoid (SigLIP) instead of a softmax over labels (CLIP). */
    public boolean logitBias;
    /**
     * How text becomes ids: "clip-bpe" (open_clip's tokenizer over its bundled vocabulary) or "directory" (the model
     * directory's tokenizer files: tokenizer.json, else spiece.model, else transformers' vocab.json + merges.txt).
     */
    public String tokenizer = "clip-bpe";
    /** open_clip's text cleaning: "lower" (CLIP's), "whitespace", "canonicalize" (SigLIP's), "none", or "transformers-canonicalize" (transformers' SiglipTokenizer). */
    public String clean = "lower";

    /** Refuses what cannot be built, naming {@code what}. */
    public TextConfig validate(String what) {
        if (contextLength < 2 || contextLength > 8192 || vocabSize < 2 || vocabSize > (1 << 21)) {
            throw new Vit4jException(what + ": the text context (2…8192) or vocabulary (2…2²¹) is out of range");
        }
        if (width <= 0 || width > 65536 || heads <= 0 || width % heads != 0) {
            throw new Vit4jException(what + ": text width " + width + " is not divisible by " + heads + " heads");
        }
        if (layers < 0 || layers > 4096 || !(mlpRatio > 0 && mlpRatio <= 64) || embedDim <= 0 || embedDim > 65536) {
            throw new Vit4jException(what + ": text layers, mlp_ratio or embed_dim out of range");
        }
        if (!java.util.List.of("gelu", "quick_gelu", "gelu_tanh").contains(act)) {
            throw new Vit4jException(what + ": text act must be \"gelu\", \"quick_gelu\" or \"gelu_tanh\", not " + act);
        }
        if (!java.util.List.of("argmax", "last", "first", "eos").contains(poolType)) {
            throw new Vit4jException(what + ": text pool_type must be argmax, last, first or eos, not " + poolType);
        }
        if (!tokenizer.equals("clip-bpe") && !tokenizer.equals("directory")) {
            throw new Vit4jException(what + ": tokenizer must be \"clip-bpe\" or \"directory\", not " + tokenizer);
        }
        return this;
    }

    /** "softmax" over the labels (CLIP) or an independent "sigmoid" per label (SigLIP). */
    public String scoring() {
        return logitBias ? "sigmoid" : "softmax";
    }
}
