package dev.vit4j.bench;

import dev.vit4j.inference.EngineType;
import dev.vit4j.inference.LoadedModel;
import dev.vit4j.inference.ModelPipeline;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.models.Complexity;
import dev.vit4j.models.ModelConfig;
import dev.vit4j.models.perceiver.PerceiverOptions;
import dev.vit4j.viz.MadPlot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * How forward cost grows with the number of input elements: a Perceiver (32 latents) against a ViT of the
 * same width and depth, both on one pixel per element, at 16², 32², 64² and 128² elements; batch 1, DJL path,
 * interleaved rounds, medians. Writes {@code input-scaling.csv} and {@code input-scaling.png}.
 * {@code java -cp vit4j-bench/target/vit4j-benchmarks.jar dev.vit4j.bench.InputScaling docs [16,32,64,128] [runs]}
 */
public final class InputScaling {
    private InputScaling() {}

    static ModelConfig perceiver(int side) {
        ModelConfig c = common("perceiver", side);
        c.withOptions(PerceiverOptions.DEFAULTS.withLatents(32, 1, 2));
        c.depth = 2;
        c.globalPool = "avg";
        return c;
    }

    /** Same width, heads and MLP; 4 blocks as the Perceiver's 2 iterations × 2 latent blocks. */
    static ModelConfig vit(int side) {
        ModelConfig c = common("vit", side);
        c.depth = 4;
        return c;
    }

    private static ModelConfig common(String arch, int side) {
        ModelConfig c = new ModelConfig();
        c.arch = arch;
        c.name = arch + "_" + side;
        c.imgSize = new int[] {side, side};
        c.inChans = 3;
        c.numClasses = 10;
        c.patchSize = 1;
        c.embedDim = 64;
        c.numHeads = 2;
        c.mlpRatio = 2;
        return c;
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "docs");
        int[] sides = args.length > 1
                ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {16, 32, 64, 128};
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Files.createDirectories(out);
        StringBuilder csv = new StringBuilder("elements,model,gmacs,median_ms,min_ms\n");
        List<Double> elements = new ArrayList<>();
        List<Double> perceiverMs = new ArrayList<>();
        List<Double> vitMs = new ArrayList<>();
        System.out.println("| elements | Perceiver ms | ViT ms | Perceiver GMACs | ViT GMACs |");
        System.out.println("|---|---|---|---|---|");
        for (int side : sides) {
            ModelConfig[] configs = {perceiver(side), vit(side)};
            double[][] times = new double[2][runs];
            // the training engine (DJL + PyTorch), through the one pipeline every door uses
            try (ModelPipeline perceiver =
                            ModelPipeline.open(LoadedModel.initialized(configs[0], 1), EngineType.TORCH, 0);
                    ModelPipeline vit =
                            ModelPipeline.open(LoadedModel.initialized(configs[1], 1), EngineType.TORCH, 0)) {
                ModelPipeline[] models = {perceiver, vit};
                float[] x = new float[3 * side * side];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) Math.sin(i * 0.37);
                }
                for (int round = -2; round < runs; round++) {
                    for (int m = 0; m < 2; m++) {
                        int which = (round + m + 2) % 2; // alternate which model goes first
                        long t0 = System.nanoTime();
                        models[which].run(x, 1, false);
                        double ms = (System.nanoTime() - t0) / 1e6;
                        if (round >= 0) {
                            times[which][round] = ms;
                        }
                    }
                }
            }
            double[] med = new double[2];
            for (int m = 0; m < 2; m++) {
                double[] sorted = times[m].clone();
                Arrays.sort(sorted);
                med[m] = sorted[runs / 2];
                csv.append(String.format(
                        Locale.ROOT,
                        "%d,%s,%.4f,%.3f,%.3f%n",
                        side * side,
                        configs[m].arch,
                        Complexity.gmacs(configs[m]),
                        med[m],
                        sorted[0]));
            }
            elements.add((double) side * side);
            perceiverMs.add(med[0]);
            vitMs.add(med[1]);
            System.out.printf(
                    Locale.ROOT,
                    "| %d² = %d | %.2f | %.2f | %.4f | %.4f |%n",
                    side,
                    side * side,
                    med[0],
                    med[1],
                    Complexity.gmacs(configs[0]),
                    Complexity.gmacs(configs[1]));
        }
        AtomicFiles.writeString(out.resolve("input-scaling.csv"), csv.toString());
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(520)
                .title("Forward time vs input elements (batch 1, width 64)")
                .xAxisTitle("input elements")
                .yAxisTitle("milliseconds per image")
                .build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.addSeries("Perceiver (32 latents, 2 iterations × 2 blocks)", elements, perceiverMs)
                .setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("ViT (4 blocks)", elements, vitMs).setMarker(SeriesMarkers.SQUARE);
        MadPlot.write(chart, out.resolve("input-scaling.png"));
        System.out.println("wrote " + out.resolve("input-scaling.csv") + " and " + out.resolve("input-scaling.png"));
    }
}
