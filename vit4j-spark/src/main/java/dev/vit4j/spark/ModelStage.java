package dev.vit4j.spark;

import org.apache.spark.ml.param.Params;

/** A stage that runs a vit4j model (a Hub name or a local directory), saved with a copy of a local one. */
interface ModelStage extends Params {
    String getModel();

    ModelStage setModel(String model);
}
