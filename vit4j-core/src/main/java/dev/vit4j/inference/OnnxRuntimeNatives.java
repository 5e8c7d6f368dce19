package dev.vit4j.inference;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Where ONNX Runtime's native libraries are loaded from. Left alone, ONNX Runtime copies them out of its jar
 * into a new {@code /tmp/onnxruntime-java<random>} directory at every start and leaves that directory
 * behind (it asks for the directory's deletion at exit before the files', so the directory is still full
 * when its turn comes). {@link #useUserCache()} copies them once into a per-user cache directory, keyed by
 * the libraries' checksum, and points ONNX Runtime's {@code onnxruntime.native.path} there.
 *
 * <p>That sets a JVM-wide system property, so vit4j-core never calls this by itself: an application calls it
 * once at start-up, before the first ONNX Runtime use (the {@code vit4j} command does), or sets
 * {@code onnxruntime.native.path} itself.
 */
public final class OnnxRuntimeNatives {
    static final String PROPERTY = "onnxruntime.native.path";
    private static final String RESOURCE_DIR = "/ai/onnxruntime/native/";
    private static final List<String> LIBRARIES = List.of("onnxruntime", "onnxruntime4j_jni");

    private OnnxRuntimeNatives() {}

    /**
     * Points ONNX Runtime at the cached copy of its libraries, copying them there first if needed. Does nothing
     * when the property is already set, when the jar has no libraries for this platform, or when the cache cannot
     * be written (ONNX Runtime then extracts to the temporary directory as usual). Returns the directory used,
     * or null.
     */
    public static synchronized Path useUserCache() {
        if (System.getProperty(PROPERTY) != null) {
            return null;
        }
        try {
            Path dir = extract(cacheRoot());
            if (dir != null) {
                System.setProperty(PROPERTY, dir.toString());
            }
            return dir;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** {@code $XDG_CACHE_HOME/vit4j}, else {@code ~/.cache/vit4j}. */
    static Path cacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("vit4j");
    }

    /** Copies the libraries into {@code root/onnxruntime-PLATFORM-CRC/} unless a complete copy is there. */
    static Path extract(Path root) throws IOException {
        String platform = platform();
        if (platform == null) {
            return null;
        }
        List<Library> libraries = new ArrayList<>();
        long fingerprint = 17;
        for (String name : LIBRARIES) {
            String fileName = System.mapLibraryName(name).replace("jnilib", "dylib");
            URL url = OnnxRuntimeNatives.class.getResource(RESOURCE_DIR + platform + "/" + fileName);
            if (url == null) {
                return null;
            }
            Library lib = Library.of(fileName, url);
            libraries.add(lib);
            fingerprint = 31 * fingerprint + lib.checksum();
        }
        Path dir = root.resolve("onnxruntime-" + platform + "-" + Long.toHexString(fingerprint));
        Files.createDirectories(dir);
        for (Library lib : libraries) {
            Path target = dir.resolve(lib.fileName());
            if (Files.isRegularFile(target) && Files.size(target) == lib.size()) {
                continue;
            }
            // Written beside the target and renamed: a second process extracting at the same time, or one killed
            // half-way, never leaves a partial library under the name ONNX Runtime loads.
            Path tmp = Files.createTempFile(dir, "." + lib.fileName(), ".tmp");
            try (InputStream in = lib.url().openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return dir;
    }

    /** A library in the jar: its file name, where it is, and its checksum and size. */
    private record Library(String fileName, URL url, long checksum, long size) {
        /**
         * CRC-32 and size from the jar's directory when the library is in a jar (without reading it), else size and
         * date in place of the checksum.
         */
        static Library of(String fileName, URL url) throws IOException {
            URLConnection c = url.openConnection();
            if (c instanceof JarURLConnection jar) {
                c.setUseCaches(false); // our own JarFile, so closing it closes nobody else's
                try (JarFile file = jar.getJarFile()) {
                    JarEntry e = file.getJarEntry(jar.getEntryName());
                    return new Library(fileName, url, e.getCrc(), e.getSize());
                }
            }
            long size = c.getContentLengthLong();
            return new Library(fileName, url, 31 * size + c.getLastModified(), size);
        }
    }

    /** ONNX Runtime's own name for this platform's resource folder (linux-x64, osx-aarch64, …). */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin")
                ? "osx"
                : os.contains("win") ? "win" : os.contains("nux") ? "linux" : null;
        String a = arch.startsWith("amd64") || arch.startsWith("x86_64")
                ? "x64"
                : arch.startsWith("aarch64") ? "aarch64" : null;
        return o == null || a == null ? null : o + "-" + a;
    }
}
