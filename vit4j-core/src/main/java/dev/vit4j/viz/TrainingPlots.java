package dev.vit4j.viz;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** learning_curves.png (loss and accuracy against epoch) and the confusion matrix, with XChart. */
public final class TrainingPlots {
    private TrainingPlots() {}

    /**
     * Loss and accuracy against epoch, side by side: each series named, one value per epoch in {@code epochs} (NaN
     * where there is none, e.g. no validation).
     */
    public static void learningCurves(
            String title, int[] epochs, Map<String, double[]> loss, Map<String, double[]> accuracy, Path target)
            throws IOException {
        XYChart a = chart(title + ": loss", "loss");
        loss.forEach((name, values) -> add(a, epochs, name, values));
        XYChart b = chart(title + ": accuracy", "accuracy");
        accuracy.forEach((name, values) -> add(b, epochs, name, values));
        BufferedImage left = BitmapEncoder.getBufferedImage(a);
        BufferedImage right = BitmapEncoder.getBufferedImage(b);
        BufferedImage both = new BufferedImage(
                left.getWidth() + right.getWidth(),
                Math.max(left.getHeight(), right.getHeight()),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        Png.write(both, target);
    }

    private static XYChart chart(String title, String y) {
        XYChart c = new XYChartBuilder()
                .width(640)
                .height(440)
                .title(title)
                .xAxisTitle("epoch")
                .yAxisTitle(y)
                .build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setXAxisDecimalPattern("0");
        return c;
    }

    private static void add(XYChart c, int[] epochs, String name, double[] values) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < epochs.length; i++) {
            if (!Double.isNaN(values[i])) {
                xs.add((double) epochs[i]);
                ys.add(values[i]);
            }
        }
        if (!xs.isEmpty()) {
            c.addSeries(name, xs, ys);
        }
    }

    public static void confusionMatrix(String title, List<String> classes, long[][] counts, Path target)
            throws IOException {
        int k = classes.size();
        List<String> names = new ArrayList<>();
        for (String s : classes) {
            names.add(s.length() > 14 ? s.substring(0, 13) + "…" : s);
        }
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[] {p, k - 1 - t, counts[t][p]});
            }
        }
        List<String> rows = new ArrayList<>(names);
        java.util.Collections.reverse(rows);
        int size = Math.max(520, Math.min(1600, 60 * k + 220));
        HeatMapChart chart = new HeatMapChartBuilder()
                .width(size + 120)
                .height(size)
                .title(title)
                .xAxisTitle("predicted")
                .yAxisTitle("true")
                .build();
        chart.getStyler().setShowValue(k <= 20);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setXAxisLabelRotation(k > 6 ? 45 : 0);
        chart.getStyler().setRangeColors(new java.awt.Color[] {
            new java.awt.Color(250, 250, 255), new java.awt.Color(33, 102, 172), new java.awt.Color(5, 48, 97)
        });
        chart.addSeries("counts", names, rows, cells);
        Png.write(BitmapEncoder.getBufferedImage(chart), target);
    }
}
