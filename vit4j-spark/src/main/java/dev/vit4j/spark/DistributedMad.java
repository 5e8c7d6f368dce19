package dev.vit4j.spark;

import dev.vit4j.Vit4jException;
import dev.vit4j.probing.MeanAttentionDistance;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * {@code vit4j mad} on Spark (the ViT paper's mean attention distance over a whole dataset): each image's mean attention distance per
 * self-attention block and head is computed on the executors; Spark sums them per (block, head); the driver receives
 * one row per block and head.
 */
final class DistributedMad {
    private DistributedMad() {}

    static MeanAttentionDistance run(VitPredictor predictor, Dataset<Row> images) {
        Dataset<Row> perImage = predictor
                .setOutputCols(VitPredictor.MAD)
                .transform(images)
                .filter(functions.col(VitPredictor.ERROR).isNull());
        List<Row> sums = perImage.select(
                        functions.explode(functions.col(VitPredictor.MAD)).as(new String[] {"block", "heads"}))
                .select(
                        functions.col("block"),
                        functions.posexplode(functions.col("heads")).as(new String[] {"head", "mad"}))
                .groupBy("block", "head")
                .agg(functions.sum("mad"), functions.count(functions.lit(1)))
                .collectAsList();
        if (sums.isEmpty()) {
            throw new Vit4jException("no readable images, or a model without self-attention over its grid");
        }
        Map<String, TreeMap<Integer, Double>> byBlock = new TreeMap<>(BLOCK_ORDER);
        long count = -1;
        for (Row r : sums) {
            byBlock.computeIfAbsent(r.getString(0), b -> new TreeMap<>()).put(r.getInt(1), r.getDouble(2));
            count = r.getLong(3); // each image adds one value to every (block, head)
        }
        Map<String, double[]> blockSums = new LinkedHashMap<>();
        byBlock.forEach((block, heads) -> blockSums.put(
                block, heads.values().stream().mapToDouble(Double::doubleValue).toArray()));
        return MeanAttentionDistance.ofSums(blockSums, (int) count);
    }

    /** {@code blocks.2} before {@code blocks.10}: by name, then by the block's number. */
    static final Comparator<String> BLOCK_ORDER = Comparator.comparing((String b) -> b.replaceAll("\\d+$", ""))
            .thenComparingInt(b -> b.matches(".*\\d+$") ? Integer.parseInt(b.replaceAll("^.*?(\\d+)$", "$1")) : -1);
}
