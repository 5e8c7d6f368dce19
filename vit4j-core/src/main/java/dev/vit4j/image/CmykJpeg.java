package dev.vit4j.image;

import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Node;

/**
 * Four-channel JPEGs (CMYK, and YCCK: Adobe transform 2) as PIL gives them: {@code Image.open(f).convert("RGB")}.
 * ImageIO's readers convert CMYK through an ICC profile, within one level of PIL's arithmetic but not equal to it
 * (0.45 levels per value on average; ImageNet has ~22 such files). Here the raw 4-band raster is read and converted
 * as libjpeg and Pillow do: YCCK to CMYK with libjpeg's fixed-point tables ({@code jdcolor.c}), the Adobe inversion
 * Pillow always assumes for CMYK JPEGs ({@code JpegImagePlugin}: rawmode "CMYK;I"), then Pillow's {@code cmyk2rgb}.
 */
final class CmykJpeg {
    private static final String JPEG_METADATA = "javax_imageio_jpeg_image_1.0";
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private CmykJpeg() {}

    private static int fix(double x) {
        return (int) (x * (1 << SCALEBITS) + 0.5);
    }

    /** 0 (CMYK) or 2 (YCCK) for a four-component JPEG; -1 for anything else (then ImageIO's own decoding is PIL's). */
    static int adobeTransform(ImageReader reader) throws IOException {
        if (!"jpeg".equalsIgnoreCase(reader.getFormatName())) {
            return -1;
        }
        IIOMetadata metadata = reader.getImageMetadata(0);
        if (metadata == null
                || !java.util.Arrays.asList(metadata.getMetadataFormatNames()).contains(JPEG_METADATA)) {
            return -1;
        }
        Node root = metadata.getAsTree(JPEG_METADATA);
        Node sof = find(root, "sof");
        if (sof == null || sof.getChildNodes().getLength() != 4) {
            return -1;
        }
        Node adobe = find(root, "app14Adobe");
        Node transform = adobe == null ? null : adobe.getAttributes().getNamedItem("transform");
        return transform != null && "2".equals(transform.getNodeValue()) ? 2 : 0;
    }

    private static Node find(Node node, String name) {
        if (name.equals(node.getNodeName())) {
            return node;
        }
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node found = find(c, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The raw raster (C, M, Y, K as stored, or Y, Cb, Cr, K) to PIL's RGB. */
    static RgbImage toRgb(Raster raw, int transform) {
        int w = raw.getWidth();
        int h = raw.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w * 4];
        for (int y = 0; y < h; y++) {
            raw.getPixels(raw.getMinX(), raw.getMinY() + y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int p = 4 * x;
                int c;
                int m;
                int ye;
                if (transform == 2) { // libjpeg's ycck_cmyk_convert, then Pillow's inversion: the YCC->RGB values
                    int luma = row[p];
                    int cb = row[p + 1];
                    int cr = row[p + 2];
                    c = clamp(luma + CR_R[cr]);
                    m = clamp(luma + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
                    ye = clamp(luma + CB_B[cb]);
                } else { // stored inverted (Adobe's convention), which Pillow assumes for every CMYK JPEG
                    c = 255 - row[p];
                    m = 255 - row[p + 1];
                    ye = 255 - row[p + 2];
                }
                int notK = row[p + 3]; // 255 - k, k itself stored inverted
                int o = 3 * (y * w + x);
                out[o] = (byte) cmykChannel(c, notK);
                out[o + 1] = (byte) cmykChannel(m, notK);
                out[o + 2] = (byte) cmykChannel(ye, notK);
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Pillow's {@code cmyk2rgb}: {@code CLIP8(nk - MULDIV255(v, nk))}. */
    private static int cmykChannel(int v, int notK) {
        int tmp = v * notK + 128;
        return clamp(notK - (((tmp >> 8) + tmp) >> 8));
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
