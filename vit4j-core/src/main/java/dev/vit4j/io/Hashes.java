package dev.vit4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Digests of files and bytes, lower-case hex: an index's SHA-256 of each image, the Hub's checks of its downloads. */
public final class Hashes {
    private Hashes() {}

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has " + algorithm, e);
        }
    }

    /** The file's SHA-256, streamed. */
    public static String sha256(Path file) {
        try {
            return hex("SHA-256", new byte[0], file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The digest of {@code prefix} followed by the file's bytes (streamed), lower-case hex. */
    public static String hex(String algorithm, byte[] prefix, Path file) throws IOException {
        MessageDigest md = digest(algorithm);
        md.update(prefix);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The bytes' SHA-256. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(bytes));
    }
}
