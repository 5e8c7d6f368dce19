package dev.vit4j.inference;

import dev.vit4j.Vit4jException;
import dev.vit4j.models.ModelConfig;
import java.util.Locale;

/**
 * Which vector an image's embedding is: timm's {@code forward_head(pre_logits=True)} (the pooled, normed features;
 * the default), or the head's output — for a CLIP tower that is the image embedding in the joint image–text space,
 * what open_clip's {@code encode_image} gives — and whether rows are L2-normalised (open_clip's
 * {@code normalize=True}, what cosine search wants).
 */
public record Embedding(Output output, boolean normalize) implements java.io.Serializable {
    /** timm's pre-logits, as they are. */
    public static final Embedding DEFAULT = new Embedding(Output.PRE_LOGITS, false);

    public enum Output {
        PRE_LOGITS("pre-logits"),
        HEAD("head");

        private final String id;

        Output(String id) {
            this.id = id;
        }

        /** As users type it: "pre-logits" or "head". */
        public String id() {
            return id;
        }

        public static Output parse(String id) {
            for (Output o : values()) {
                if (o.id.equals(id.toLowerCase(Locale.ROOT))) {
                    return o;
                }
            }
            throw Vit4jException.naming("{embeddingOutput} must be \"pre-logits\" or \"head\", not '%s'", id);
        }
    }

    public Embedding {
        if (output == null) {
            throw new IllegalArgumentException("output");
        }
    }

    /** This embedding of one image's outputs (a new array). */
    public float[] of(ModelPipeline.ImageOutputs outputs) {
        return of(outputs.logits(), outputs.preLogits());
    }

    /** From one image's logits (the head's output) and pre-logits (a new array). */
    public float[] of(float[] logits, float[] preLogits) {
        float[] v = output == Output.HEAD ? logits : preLogits;
        return normalize ? ZeroShotClassifier.normalize(v) : v.clone();
    }

    /** The length of this embedding for a model (the head's output is the features when there is no head). */
    public int size(ModelConfig config) {
        return output == Output.HEAD && config.numClasses > 0 ? config.numClasses : config.embedDim;
    }
}
