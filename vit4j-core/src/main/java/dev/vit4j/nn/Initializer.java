package dev.vit4j.nn;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;

/** How a parameter starts before training: the schemes timm's ViT and CaiT use. */
@FunctionalInterface
public interface Initializer {
    float[] values(Shape shape, Random random);

    Initializer ZEROS = (shape, random) -> new float[(int) shape.size()];

    Initializer ONES = (shape, random) -> {
        float[] v = new float[(int) shape.size()];
        Arrays.fill(v, 1f);
        return v;
    };

    static Initializer constant(float value) {
        return (shape, random) -> {
            float[] v = new float[(int) shape.size()];
            Arrays.fill(v, value);
            return v;
        };
    }

    /** timm's {@code trunc_normal_(std=std)}: normal samples redrawn until they fall within ±2 (absolute, as timm). */
    static Initializer truncatedNormal(double std) {
        return (shape, random) -> {
            float[] v = new float[(int) shape.size()];
            for (int i = 0; i < v.length; i++) {
                double s;
                do {
                    s = random.nextGaussian() * std;
                } while (s < -2 || s > 2);
                v[i] = (float) s;
            }
            return v;
        };
    }

    /** The identity matrix plus truncated-normal noise (square 2-D shapes). */
    static Initializer identityPlusNoise(double std) {
        return (shape, random) -> {
            float[] v = truncatedNormal(std).values(shape, random);
            int n = (int) shape.get(0);
            for (int i = 0; i < n; i++) {
                v[i * n + i] += 1f;
            }
            return v;
        };
    }

    static Initializer normal(double std) {
        return (shape, random) -> {
            float[] v = new float[(int) shape.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * std);
            }
            return v;
        };
    }
}
