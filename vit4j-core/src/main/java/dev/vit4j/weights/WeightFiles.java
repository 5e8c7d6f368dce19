package dev.vit4j.weights;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipFile;

/**
 * Opens a weights file by what it is, not by its name: a zip is a {@code torch.save} file (it holds
 * {@code data.pkl}) or Google's {@code .npz}; a pickle protocol byte starts a legacy {@code torch.save} file; a
 * safetensors file starts with its header's length and a JSON object. Anything else — an ONNX model, an image, a
 * folder, text — is named for what it is, with what is accepted, never with its bytes echoed back.
 */
public final class WeightFiles {
    /** What vit4j reads as weights, for messages. */
    public static final String ACCEPTED = "safetensors, torch.save .pth/.bin, Google's .npz";

    private WeightFiles() {}

    public static TensorSource open(Path file) {
        try {
            return openChecked(file);
        } catch (IndexOutOfBoundsException
                | java.nio.BufferUnderflowException
                | ClassCastException
                | NullPointerException
                | ArithmeticException
                | IllegalArgumentException
                | NegativeArraySizeException e) {
            // The readers check what they can name; anything else a damaged file trips over is the same verdict.
            throw new Vit4jException(file + " is corrupt (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static TensorSource openChecked(Path file) {
        if (Files.isDirectory(file)) {
            throw new Vit4jException(file + " is a folder, not a weights file (" + ACCEPTED + ")");
        }
        if (!Files.isRegularFile(file)) {
            throw new Vit4jException("weights file not found: " + file);
        }
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
            size = Files.size(file);
        } catch (IOException e) {
            throw new Vit4jException("cannot read " + file + ": " + e.getMessage());
        }
        switch (kind(head)) {
            case ZIP -> {
                try (ZipFile zip = new ZipFile(file.toFile())) {
                    if (GoogleVitNpz.isNpz(zip)) {
                        return GoogleVitNpz.read(file);
                    }
                } catch (IOException e) {
                    throw new Vit4jException("cannot read " + file + " (a damaged zip): " + e.getMessage());
                }
                return TorchCheckpoint.readZip(file);
            }
            case PICKLE -> {
                return TorchCheckpoint.readLegacy(file);
            }
            case SAFETENSORS -> {
                return SafeTensors.open(file);
            }
            default -> throw new Vit4jException(
                    file + " is " + describe(head, size, file) + ", not a weights file (" + ACCEPTED + ")");
        }
    }

    private enum Kind {
        ZIP,
        PICKLE,
        SAFETENSORS,
        OTHER
    }

    private static Kind kind(byte[] h) {
        if (h.length >= 4 && h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4) {
            return Kind.ZIP;
        }
        if (h.length >= 2 && (h[0] & 0xff) == 0x80 && h[1] >= 2 && h[1] <= 5) {
            return Kind.PICKLE;
        }
        // a header's JSON object after its 8-byte length: a safetensors file, whole or damaged (its reader says which)
        return h.length >= 9 && h[8] == '{' ? Kind.SAFETENSORS : Kind.OTHER;
    }

    /**
     * What {@code file} is, from its first bytes, as a phrase for a message ("an ONNX model", "an image", "a folder",
     * "safetensors weights", …); "of an unknown kind" when nothing fits.
     */
    public static String describe(Path file) {
        if (Files.isDirectory(file)) {
            return "a folder";
        }
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
            size = Files.size(file);
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
        return switch (kind(head)) {
            case ZIP -> "a zip archive (torch.save weights or Google's .npz)";
            case PICKLE -> "a legacy torch.save file";
            case SAFETENSORS -> "safetensors weights";
            default -> describe(head, size, file);
        };
    }

    /** Whether {@code file} holds an ONNX model (by its first bytes: a ModelProto's ir_version, then producer). */
    public static boolean isOnnx(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] h = in.readNBytes(3);
            return h.length == 3 && h[0] == 0x08 && h[1] > 0 && h[2] == 0x12;
        } catch (IOException e) {
            return false;
        }
    }

    /** What a file that is not weights looks like, from its first bytes (and its name, for ONNX's protobuf). */
    static String describe(byte[] h, long size, Path file) {
        if (size == 0) {
            return "empty";
        }
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        if (starts(h, 0x89, 'P', 'N', 'G')
                || starts(h, 0xff, 0xd8, 0xff)
                || starts(h, 'G', 'I', 'F', '8')
                || starts(h, 'B', 'M')
                || starts(h, 'R', 'I', 'F', 'F') && h.length >= 12 && h[8] == 'W' && h[9] == 'E' && h[10] == 'B'
                || starts(h, 'I', 'I', 42, 0)
                || starts(h, 'M', 'M', 0, 42)) {
            return "an image";
        }
        // An ONNX ModelProto starts with its ir_version (field 1, a small varint), then its producer's name (field 2).
        if (name.endsWith(".onnx") || h.length >= 3 && h[0] == 0x08 && h[1] > 0 && h[2] == 0x12) {
            return "an ONNX model (what vit4j export writes: ONNX Runtime runs it, vit4j cannot read weights back"
                    + " from it)";
        }
        if (starts(h, 0x1f, 0x8b)) {
            return "gzip-compressed (unpack it first)";
        }
        if (starts(h, '{') || starts(h, '[')) {
            return "JSON text (a config.json goes with -m; weights are a separate file)";
        }
        return "of an unknown kind";
    }

    private static boolean starts(byte[] h, int... prefix) {
        if (h.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((h[i] & 0xff) != (prefix[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }
}
