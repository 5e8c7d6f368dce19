package dev.vit4j.nn;

/**
 * The fixed position table of "Attention Is All You Need" (Vaswani et al. 2017), as from-scratch ViT tutorials use it: for token i and channel j,
 * angle = i / 10000^(2⌊j/2⌋/D); even channels take sin, odd channels cos. Computed in double, stored as
 * float, as the usual NumPy code does.
 */
public final class SinusoidalPositionEncoding {
    private SinusoidalPositionEncoding() {}

    /** Row-major tokens × dim table. */
    public static float[] table(int tokens, int dim) {
        float[] out = new float[tokens * dim];
        for (int i = 0; i < tokens; i++) {
            for (int j = 0; j < dim; j++) {
                double angle = i / Math.pow(10000, 2.0 * (j / 2) / dim);
                out[i * dim + j] = (float) (j % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
            }
        }
        return out;
    }

    public static Initializer initializer() {
        return (shape, random) -> table((int) shape.get(shape.dimension() - 2), (int) shape.get(shape.dimension() - 1));
    }
}
