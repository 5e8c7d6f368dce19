package dev.vit4j.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A layer with named parameters and named children, like {@code torch.nn.Module}: the dotted names of
 * {@link #namedParameters()} are exactly timm's state-dict keys, so timm weights load without renaming.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private String path = "";

    protected final Parameter parameter(String name, Shape shape, Initializer init) {
        return register(name, new Parameter(shape, init, true, shape.dimension() >= 2));
    }

    /** A trainable parameter that timm exempts from weight decay (tokens, position tables, gammas). */
    protected final Parameter parameterWithoutDecay(String name, Shape shape, Initializer init) {
        return register(name, new Parameter(shape, init, true, false));
    }

    /** Saved and loaded with the weights, never trained. */
    protected final Parameter buffer(String name, Shape shape, Initializer init) {
        return register(name, new Parameter(shape, init, false, false));
    }

    private Parameter register(String name, Parameter p) {
        if (parameters.put(name, p) != null) {
            throw new IllegalStateException("duplicate parameter " + name);
        }
        return p;
    }

    protected final <M extends Module> M child(String name, M module) {
        if (children.put(name, module) != null) {
            throw new IllegalStateException("duplicate child " + name);
        }
        ((Module) module).setPath(path.isEmpty() ? name : path + "." + name);
        return module;
    }

    private void setPath(String newPath) {
        path = newPath;
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().setPath(newPath.isEmpty() ? e.getKey() : newPath + "." + e.getKey());
        }
    }

    /** This module's dotted name from the root, e.g. {@code blocks.3.attn}; empty for the root. */
    public final String path() {
        return path;
    }

    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter of this module and its descendants, in registration order, keyed by dotted name. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out);
        }
    }

    /** Fills every parameter with its initializer, deterministically from {@code seed}. */
    public final void initialize(NDManager manager, long seed) {
        Random random = new Random(seed);
        for (Parameter p : namedParameters().values()) {
            p.set(manager.create(p.initializer().values(p.shape(), random), p.shape()));
        }
    }

    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.shape().size();
        }
        return n;
    }
}
