package dev.vit4j.data;

import dev.vit4j.image.DataConfig;
import dev.vit4j.image.EvalTransform;
import dev.vit4j.image.RgbImage;
import dev.vit4j.models.ModelConfig;

/** From dataset examples to model inputs (C × H × W, normalized) for training and for evaluation. */
public final class Pipelines {
    private Pipelines() {}

    /** Channel conversion, augmentation to the model's size, normalization, random erasing. */
    public static BatchLoader.Transform train(ModelConfig model, DataConfig norm, Augmentation aug) {
        int c = model.inChans;
        return (e, r) -> {
            float[] x = ImageOps.augment(
                    ImageOps.toFloat(e, c), c, e.height(), e.width(), model.height(), model.width(), aug, r);
            ImageOps.normalize(x, c, norm.mean(), norm.std());
            RandomErasing.apply(x, c, model.height(), model.width(), aug.erase, r);
            return x;
        };
    }

    /**
     * Examples already at the model's size are only normalized; RGB images of other sizes get timm's eval
     * transform (PIL-exact resize, crop_pct, centre crop); anything else a bilinear resize.
     */
    public static BatchLoader.Transform eval(ModelConfig model, DataConfig data) {
        int c = model.inChans;
        EvalTransform timm = c == 3 ? new EvalTransform(data) : null;
        return (e, r) -> {
            float[] x;
            if (e.height() == model.height() && e.width() == model.width()) {
                x = ImageOps.toFloat(e, c);
            } else if (timm != null && e.channels() == 3) {
                return timm.apply(interleaved(e));
            } else {
                x = ImageOps.resize(ImageOps.toFloat(e, c), c, e.height(), e.width(), model.height(), model.width());
            }
            ImageOps.normalize(x, c, data.mean(), data.std());
            return x;
        };
    }

    static RgbImage interleaved(Example e) {
        int plane = e.height() * e.width();
        byte[] px = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            px[3 * i] = e.pixels()[i];
            px[3 * i + 1] = e.pixels()[plane + i];
            px[3 * i + 2] = e.pixels()[2 * plane + i];
        }
        return new RgbImage(e.width(), e.height(), px);
    }
}
