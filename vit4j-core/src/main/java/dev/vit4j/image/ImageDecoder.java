package dev.vit4j.image;

import dev.vit4j.Vit4jException;
import dev.vit4j.memory.MemoryBudget;
import dev.vit4j.memory.MemoryBudgetException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.SinglePixelPackedSampleModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, JPEG, BMP, GIF, WebP and TIFF (ImageIO with TwelveMonkeys plugins) into the 8-bit RGB that
 * PIL's {@code Image.open(f).convert("RGB")} gives: alpha dropped (not composited), gray replicated,
 * palettes looked up, 16-bit samples reduced as PIL reduces them. Pixels are read from the raster, never
 * through {@code getRGB}, which would gamma-convert gray images. Missing, unrecognised, truncated and
 * bomb-sized files are refused with a {@link Vit4jException}.
 */
public final class ImageDecoder {
    /** PIL's DecompressionBombError threshold: twice {@code Image.MAX_IMAGE_PIXELS}. */
    public static final long MAX_PIXELS = 2L * 89_478_485L;

    static {
        ImageIO.scanForPlugins(); // the TwelveMonkeys readers, also where the context class loader is another's
    }

    private ImageDecoder() {}

    public static RgbImage read(Path file) {
        if (!Files.exists(file)) {
            throw new Vit4jException("image not found: " + file);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new Vit4jException("not a readable file: " + file);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new Vit4jException("cannot open image: " + file);
            }
            return decode(in, file.toString(), MAX_PIXELS);
        } catch (IOException e) {
            throw new Vit4jException("image file is truncated or corrupt: " + file + " (" + describe(e) + ")", e);
        }
    }

    /** An encoded image held in memory (an upload, a Spark binary file); {@code name} is what errors call it. */
    public static RgbImage read(byte[] encoded, String name) {
        return read(encoded, name, MAX_PIXELS);
    }

    /**
     * As {@link #read(byte[], String)} with a lower pixel limit (a server's), checked from the header before any
     * pixel is decoded; a larger image is refused with {@link ImageTooLargeException}.
     */
    public static RgbImage read(byte[] encoded, String name, long maxPixels) {
        // An explicit in-memory stream: ImageIO's default for streams is a temporary file (and its global switch is
        // the application's, not ours).
        try (ImageInputStream in =
                new javax.imageio.stream.MemoryCacheImageInputStream(new java.io.ByteArrayInputStream(encoded))) {
            return decode(in, name, maxPixels);
        } catch (IOException e) {
            throw new Vit4jException("image is truncated or corrupt: " + name + " (" + describe(e) + ")", e);
        }
    }

    /** The size in an encoded image's header; null when no reader recognises it (decoding it will say why). */
    public static Header header(byte[] encoded) {
        try (ImageInputStream in =
                new javax.imageio.stream.MemoryCacheImageInputStream(new java.io.ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new Header(reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** An encoded image's size, from its header: what decoding it will cost, known before a pixel is decoded. */
    public record Header(int width, int height) {
        public long pixels() {
            return (long) width * height;
        }
    }

    /** The memory decoding holds, reserved from the header's size before the decoder allocates, released after. */
    private static RgbImage decode(ImageInputStream in, String file, long maxPixels) {
        MemoryBudget.Reservation[] memory = new MemoryBudget.Reservation[1];
        try {
            return decode(in, file, maxPixels, memory);
        } finally {
            if (memory[0] != null) {
                memory[0].close();
            }
        }
    }

    private static RgbImage decode(
            ImageInputStream in, String file, long maxPixels, MemoryBudget.Reservation[] memory) {
        BufferedImage image;
        try {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new Vit4jException("not a recognised image (PNG, JPEG, BMP, GIF, WebP, TIFF): " + file);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels && maxPixels < MAX_PIXELS) {
                    throw new ImageTooLargeException("image " + file + " has " + reader.getWidth(0) + "×"
                            + reader.getHeight(0) + " pixels, above this limit of " + maxPixels);
                }
                if (pixels > MAX_PIXELS) {
                    throw new Vit4jException("image " + file + " has " + reader.getWidth(0) + "×" + reader.getHeight(0)
                            + " pixels, above the " + MAX_PIXELS + "-pixel limit (decompression bomb guard, as PIL)");
                }
                memory[0] = reserve(file, reader.getWidth(0), reader.getHeight(0), bytesPerPixel(reader));
                String[] warning = new String[1];
                reader.addIIOReadWarningListener((source, message) -> {
                    if (warning[0] == null) {
                        warning[0] = message;
                    }
                });
                try {
                    int cmyk = CmykJpeg.adobeTransform(reader);
                    if (cmyk >= 0) {
                        Raster raw = reader.readRaster(0, null);
                        if (warning[0] != null && looksTruncated(warning[0])) {
                            throw new Vit4jException(
                                    "image file is truncated or corrupt: " + file + " (" + warning[0] + ")");
                        }
                        return CmykJpeg.toRgb(raw, cmyk);
                    }
                    image = reader.read(0);
                } catch (OutOfMemoryError e) {
                    // One large allocation failed and is gone again: the process can say so and go on.
                    throw MemoryBudgetException.heapExhausted(
                            "decoding " + file + " (" + reader.getWidth(0) + "×" + reader.getHeight(0) + ")");
                }
                if (warning[0] != null && looksTruncated(warning[0])) {
                    throw new Vit4jException("image file is truncated or corrupt: " + file + " (" + warning[0] + ")");
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof Vit4jException v) {
                throw v;
            }
            throw new Vit4jException("image file is truncated or corrupt: " + file + " (" + describe(e) + ")", e);
        }
        if (image == null || image.getWidth() <= 0 || image.getHeight() <= 0) {
            throw new Vit4jException("image has no pixels: " + file);
        }
        return toRgb(image);
    }

    /**
     * Decoding needs the decoder's raster and our RGB copy (3 bytes a pixel), and the caller the RGB image: reserved
     * up front, and refused with the reason when it cannot fit the heap's budget, instead of an OutOfMemoryError.
     */
    private static MemoryBudget.Reservation reserve(String file, int width, int height, int rasterBytesPerPixel) {
        return MemoryBudget.heap()
                .reserve(
                        (long) width * height * (rasterBytesPerPixel + 3),
                        "decoding " + file + " (" + width + "×" + height + ")");
    }

    /** The decoder's raster bytes per pixel, from the image's raw type (8, for 16-bit RGBA, when unknown). */
    private static int bytesPerPixel(ImageReader reader) throws IOException {
        ImageTypeSpecifier type = reader.getRawImageType(0);
        if (type == null) {
            return 8;
        }
        SampleModel sm = type.getSampleModel(1, 1);
        int sampleBytes = Math.max(1, DataBuffer.getDataTypeSize(sm.getDataType()) / 8);
        return sm instanceof SinglePixelPackedSampleModel ? sampleBytes : sm.getNumBands() * sampleBytes;
    }

    private static boolean looksTruncated(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("premature") || w.contains("truncat") || w.contains("corrupt") || w.contains("end of");
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.split("\n", 2)[0];
    }

    /** PIL's {@code convert("RGB")} of whatever ImageIO decoded. */
    public static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        if (cm instanceof IndexColorModel icm) {
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int idx = row[x * bands];
                    int o = (y * w + x) * 3;
                    out[o] = (byte) icm.getRed(idx);
                    out[o + 1] = (byte) icm.getGreen(idx);
                    out[o + 2] = (byte) icm.getBlue(idx);
                }
            }
            return new RgbImage(w, h, out);
        }
        int colorComponents = cm.getNumColorComponents();
        boolean rgbSpace = cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_RGB;
        boolean graySpace = cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY;
        if (rgbSpace && colorComponents == 3 && interleaved8(raster, cm)) {
            return copyInterleaved(raster, w, h, out); // what a JPEG decodes to: the same bytes, without getPixels
        }
        if ((graySpace && colorComponents == 1) || (rgbSpace && colorComponents == 3)) {
            int bits = cm.getComponentSize(0);
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    int p = x * bands;
                    if (colorComponents == 1) {
                        byte v = (byte) gray8(row[p], bits);
                        out[o] = v;
                        out[o + 1] = v;
                        out[o + 2] = v;
                    } else {
                        out[o] = (byte) sample8(row[p], bits);
                        out[o + 1] = (byte) sample8(row[p + 1], bits);
                        out[o + 2] = (byte) sample8(row[p + 2], bits);
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        // Other colour spaces (packed 16-bit RGB, CMYK TIFFs): let Java2D convert to sRGB. CMYK JPEGs: CmykJpeg.
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = image.getRGB(x, y);
                int o = (y * w + x) * 3;
                out[o] = (byte) (argb >> 16);
                out[o + 1] = (byte) (argb >> 8);
                out[o + 2] = (byte) argb;
            }
        }
        return new RgbImage(w, h, out);
    }

    /** One byte per sample, pixels interleaved in a byte buffer of the raster's own (as ImageIO's JPEG reader makes). */
    private static boolean interleaved8(Raster raster, ColorModel cm) {
        if (!(raster.getDataBuffer() instanceof DataBufferByte)
                || !(raster.getSampleModel() instanceof PixelInterleavedSampleModel)
                || raster.getSampleModelTranslateX() != 0
                || raster.getSampleModelTranslateY() != 0
                || raster.getDataBuffer().getNumBanks() != 1) {
            return false;
        }
        for (int c = 0; c < 3; c++) {
            if (cm.getComponentSize(c) != 8) {
                return false;
            }
        }
        return true;
    }

    /** The first three bands (R, G, B: alpha dropped, as PIL's convert("RGB")) of an {@link #interleaved8} raster. */
    private static RgbImage copyInterleaved(Raster raster, int w, int h, byte[] out) {
        PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) raster.getSampleModel();
        DataBufferByte buffer = (DataBufferByte) raster.getDataBuffer();
        byte[] data = buffer.getData();
        int[] bands = sm.getBandOffsets();
        int r = bands[0];
        int g = bands[1];
        int b = bands[2];
        int stride = sm.getPixelStride();
        int start = buffer.getOffset();
        if (stride == 3 && sm.getScanlineStride() == 3 * w && r == 2 && g == 1 && b == 0) {
            for (int i = 0, n = 3 * w * h; i < n; i += 3) { // BGR, unpadded: ImageIO's usual JPEG raster
                out[i] = data[start + i + 2];
                out[i + 1] = data[start + i + 1];
                out[i + 2] = data[start + i];
            }
            return new RgbImage(w, h, out);
        }
        int o = 0;
        for (int y = 0; y < h; y++) {
            int p = start + y * sm.getScanlineStride();
            for (int x = 0; x < w; x++, p += stride) {
                out[o++] = data[p + r];
                out[o++] = data[p + g];
                out[o++] = data[p + b];
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Colour samples: PIL keeps the most significant byte of 16-bit channels, widens 1–7 bit ones. */
    private static int sample8(int v, int bits) {
        if (bits == 8) {
            return v;
        }
        if (bits > 8) {
            return v >>> (bits - 8);
        }
        return v * 255 / ((1 << bits) - 1);
    }

    /** Gray samples: PIL opens 16-bit gray as "I;16" and clips it to 255 when converting to RGB. */
    private static int gray8(int v, int bits) {
        if (bits == 8) {
            return v;
        }
        if (bits > 8) {
            return Math.min(v, 255);
        }
        return v * 255 / ((1 << bits) - 1);
    }
}
