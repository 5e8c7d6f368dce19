package dev.vit4j.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vit4j.nn.Parameter;
import dev.vit4j.weights.FloatTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Updates parameters from their gradients. Weight decay follows timm's grouping: only parameters marked
 * {@link Parameter#weightDecay()} (matrices and kernels; not norms, biases, gammas, tokens or position
 * tables) decay. State (moments, step count) lives in native memory next to the weights and is saved
 * with checkpoints, so a resumed run continues exactly.
 */
public abstract class Optimizer {
    protected final double weightDecay;
    protected long steps;
    private final Map<String, NDArray[]> state = new LinkedHashMap<>();
    private Map<String, Double> lrScales = Map.of();

    protected Optimizer(double weightDecay) {
        this.weightDecay = weightDecay;
    }

    /** How many state arrays of the parameter's shape this optimizer keeps per parameter. */
    protected abstract int stateSlots();

    /** Updates {@code p} in place given its gradient {@code g} and state arrays, and clears {@code g}. */
    protected abstract void update(NDArray p, NDArray g, NDArray[] state, double lr, double decay);

    /** Zeroes a gradient in place, ready for the next backward pass to accumulate into. */
    protected static void clear(NDArray g) {
        g.subi(g);
    }

    /** Per-parameter learning-rate multipliers ({@link LayerDecay}); parameters not named learn at the full rate. */
    public final void setLrScales(Map<String, Double> scales) {
        this.lrScales = Map.copyOf(scales);
    }

    public final long steps() {
        return steps;
    }

    /** One step over every trainable parameter, leaving their gradients zeroed; call outside gradient recording. */
    public final void step(Map<String, Parameter> params, double lr) {
        steps++;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            if (!p.trainable()) {
                continue;
            }
            NDArray w = p.array();
            NDArray[] s = state.computeIfAbsent(e.getKey(), k -> newState(w));
            update(
                    w,
                    w.getGradient(),
                    s,
                    lr * lrScales.getOrDefault(e.getKey(), 1.0),
                    p.weightDecay() ? weightDecay : 0.0);
        }
    }

    private NDArray[] newState(NDArray w) {
        NDManager m = w.getManager();
        NDArray[] s = new NDArray[stateSlots()];
        for (int i = 0; i < s.length; i++) {
            s[i] = m.zeros(w.getShape());
            ai.djl.ndarray.NDScope.unregister(s[i]);
        }
        return s;
    }

    /** State as tensors named {@code <param>.<slot>}, plus the step count. */
    public final Map<String, FloatTensor> saveState() {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        state.forEach((name, arrays) -> {
            for (int i = 0; i < arrays.length; i++) {
                out.put(name + "." + i, new FloatTensor(arrays[i].getShape().getShape(), arrays[i].toFloatArray()));
            }
        });
        out.put("__steps__", new FloatTensor(new long[] {2}, new float[] {steps >>> 24, steps & 0xffffff}));
        return out;
    }

    public final void loadState(Map<String, FloatTensor> saved, Map<String, Parameter> params) {
        FloatTensor s = saved.get("__steps__");
        steps = s == null ? 0 : ((long) s.data()[0] << 24) + (long) s.data()[1];
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (!saved.containsKey(e.getKey() + ".0")) {
                continue;
            }
            NDArray w = e.getValue().array();
            NDArray[] arrays = newState(w);
            for (int i = 0; i < arrays.length; i++) {
                FloatTensor t = saved.get(e.getKey() + "." + i);
                NDArray loaded = w.getManager().create(t.data(), w.getShape());
                ai.djl.ndarray.NDScope.unregister(loaded);
                arrays[i].close();
                arrays[i] = loaded;
            }
            state.put(e.getKey(), arrays);
        }
    }

    public static Optimizer create(String name, double weightDecay, double momentum) {
        return switch (name) {
            case "adamw" -> new AdamW(0.9, 0.999, 1e-8, weightDecay);
            case "adam" -> new AdamW(0.9, 0.999, 1e-8, 0.0);
            case "lamb" -> new Lamb(0.9, 0.999, 1e-6, weightDecay);
            case "sgd" -> new Sgd(momentum, weightDecay);
            default -> throw new dev.vit4j.Vit4jException("unknown optimizer '" + name + "' (adamw, adam, lamb, sgd)");
        };
    }
}
