package dev.vit4j.nn;

/** A numbered list of modules ({@code blocks.0}, {@code blocks.1}, …), like {@code nn.ModuleList}. */
public final class Sequence extends Module {
    private int size;

    public <M extends Module> M add(M module) {
        return child(Integer.toString(size++), module);
    }
}
