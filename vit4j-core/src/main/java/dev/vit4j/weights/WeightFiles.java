package dev.vit4j.weights;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/**
 * Opens a weights file by what it is, not by its name: a zip is a {@code torch.save} file (it holds
 * {@code data.pkl}) or Google's {@code .npz}; a pickle protocol byte starts a legacy {@code torch.save} file;
 * anything else is read as safetensors (whose reader names what is wrong with it).
 */
public final class WeightFiles {
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
        if (!Files.isRegularFile(file)) {
            throw new Vit4jException("weights file not found: " + file);
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        } catch (IOException e) {
            throw new Vit4jException("cannot read " + file + ": " + e.getMessage());
        }
        if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                if (GoogleVitNpz.isNpz(zip)) {
                    return GoogleVitNpz.read(file);
                }
            } catch (IOException e) {
                throw new Vit4jException("cannot read " + file + " (a damaged zip): " + e.getMessage());
            }
            return TorchCheckpoint.readZip(file);
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return TorchCheckpoint.readLegacy(file);
        }
        return SafeTensors.open(file);
    }
}
