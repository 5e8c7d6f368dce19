package dev.vit4j.viz;

import dev.vit4j.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The figure of All Things ViTs' notebook {@code mean_attention_distance.ipynb}: mean attention distance per head (markers) against block index, with XChart. */
public final class MadPlot {
    private MadPlot() {}

    public static XYChart chart(String model, int images, Map<String, double[]> means) {
        XYChart chart = new XYChartBuilder()
                .width(900)
                .height(560)
                .title("Mean attention distance: " + model + " (" + images + (images == 1 ? " image)" : " images)"))
                .xAxisTitle("block index")
                .yAxisTitle("mean attention distance (pixels)")
                .build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(9);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0");
        int heads = means.values().stream().mapToInt(a -> a.length).max().orElse(0);
        List<String> blocks = new ArrayList<>(means.keySet());
        for (int h = 0; h < heads; h++) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int b = 0; b < blocks.size(); b++) {
                double[] m = means.get(blocks.get(b));
                if (h < m.length) {
                    xs.add((double) b);
                    ys.add(m[h]);
                }
            }
            XYSeries s = chart.addSeries("head " + h, xs, ys);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }

    /** {@code dir/mad.csv} and {@code dir/mad.png}. */
    public static void writeReport(Path dir, String model, dev.vit4j.probing.MeanAttentionDistance mad)
            throws IOException {
        AtomicFiles.writeString(dir.resolve("mad.csv"), mad.csv());
        write(chart(model, mad.images(), mad.means()), dir.resolve("mad.png"));
    }

    public static void write(XYChart chart, Path target) throws IOException {
        Png.write(BitmapEncoder.getBufferedImage(chart), target);
    }
}
