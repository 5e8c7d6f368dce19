package dev.vit4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.vit4j.Vit4jException;
import dev.vit4j.onnx.OnnxGraph;

/** The MLP's activation, by timm's {@code act_layer} names. */
public enum MlpActivation {
    /** {@code nn.GELU()}: exact, x·½(1 + erf(x/√2)). */
    GELU("gelu"),
    /** OpenAI CLIP's QuickGELU (timm's {@code quick_gelu}): x·sigmoid(1.702·x). */
    QUICK_GELU("quick_gelu"),
    /**
     * GELU's tanh approximation (timm's {@code gelu_tanh}, torch's {@code approximate="tanh"}, transformers'
     * {@code gelu_pytorch_tanh}): ½x(1 + tanh(√(2/π)(x + 0.044715x³))), SigLIP's in transformers and big_vision.
     */
    GELU_TANH("gelu_tanh");

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float CUBIC = 0.044715f;

    private final String timmName;

    MlpActivation(String timmName) {
        this.timmName = timmName;
    }

    public String timmName() {
        return timmName;
    }

    /** By timm's name; an unknown name is one line listing those there are. */
    public static MlpActivation named(String name) {
        for (MlpActivation a : values()) {
            if (a.timmName.equals(name)) {
                return a;
            }
        }
        throw new Vit4jException("act_layer must be \"gelu\", \"quick_gelu\" or \"gelu_tanh\", not " + name);
    }

    public NDArray forward(NDArray x) {
        return switch (this) {
            case GELU -> Activation.gelu(x);
            case QUICK_GELU -> x.mul(Activation.sigmoid(x.mul(1.702f)));
            case GELU_TANH -> x.mul(x.pow(3)
                            .mul(CUBIC)
                            .add(x)
                            .mul(SQRT_2_OVER_PI)
                            .tanh()
                            .add(1f))
                    .mul(0.5f);
        };
    }

    /** As graph nodes; GELU in the erf pattern ONNX Runtime fuses into one kernel. */
    public String export(OnnxGraph g, String x) {
        if (this == QUICK_GELU) {
            return g.node("Mul", new String[] {
                x, g.node("Sigmoid", new String[] {g.node("Mul", new String[] {x, g.scalar(1.702f)})})
            });
        }
        if (this == GELU_TANH) {
            String cube = g.node("Mul", new String[] {g.node("Mul", new String[] {x, x}), x});
            String inner = g.node("Mul", new String[] {
                g.node("Add", new String[] {x, g.node("Mul", new String[] {cube, g.scalar(CUBIC)})}),
                g.scalar(SQRT_2_OVER_PI)
            });
            String tanh = g.node("Tanh", new String[] {inner});
            return g.node("Mul", new String[] {
                g.node("Mul", new String[] {x, g.node("Add", new String[] {tanh, g.scalar(1f)})}), g.scalar(0.5f)
            });
        }
        String erf = g.node("Erf", new String[] {g.node("Div", new String[] {x, g.scalar((float) Math.sqrt(2))})});
        return g.node("Mul", new String[] {
            g.node("Mul", new String[] {x, g.node("Add", new String[] {erf, g.scalar(1f)})}), g.scalar(0.5f)
        });
    }
}
