package dev.vit4j.training;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vit4j.io.AtomicFiles;
import dev.vit4j.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Loss, top-1, top-5, per-class accuracy and confusion matrix (rows: true class, columns: predicted). */
public record Evaluation(double loss, double top1, double top5, int count, List<String> classes, long[][] confusion) {
    public double[] perClassAccuracy() {
        double[] acc = new double[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            long total = 0;
            for (long v : confusion[c]) {
                total += v;
            }
            acc[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
        }
        return acc;
    }

    /** What {@code vit4j eval --json} prints and writes as {@code eval.json}. */
    public ObjectNode report(String model, String data) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("model", model)
                .put("data", data)
                .put("images", count)
                .put("top1", top1)
                .put("top5", top5)
                .put("loss", loss);
        ObjectNode perClass = o.putObject("per_class_accuracy");
        double[] acc = perClassAccuracy();
        for (int i = 0; i < acc.length; i++) {
            perClass.put(classes.get(i), acc[i]);
        }
        return o;
    }

    /** The confusion matrix as CSV: a header of predicted classes, then one row per true class. */
    public void writeConfusionCsv(Path target) throws IOException {
        StringBuilder csv = new StringBuilder("true/predicted");
        for (String c : classes) {
            csv.append(',').append(csvField(c));
        }
        csv.append('\n');
        for (int r = 0; r < confusion.length; r++) {
            csv.append(csvField(classes.get(r)));
            for (long v : confusion[r]) {
                csv.append(',').append(v);
            }
            csv.append('\n');
        }
        AtomicFiles.writeString(target, csv.toString());
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
