package dev.vit4j.serve;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Locale;

/**
 * Gives freed native memory back to the operating system after a model is unloaded. ONNX Runtime and PyTorch free
 * a model's weights and sessions to glibc's malloc, which keeps the freed pages in its arenas (an unloaded DeiT-Ti
 * + CaiT-XXS left RSS 250 MB above where it was, docs/serving.md); {@code malloc_trim(0)} returns them. Elsewhere
 * than Linux with glibc it does nothing.
 */
final class NativeHeap {
    private interface GlibC extends Library {
        int malloc_trim(long pad);
    }

    private static final GlibC LIBC = load();

    private NativeHeap() {}

    private static GlibC load() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            GlibC c = Native.load("c", GlibC.class);
            c.malloc_trim(0); // also checks that this libc has it (musl has not)
            return c;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    /** Returns the free pages of every malloc arena to the system; true if it could be asked. */
    static boolean release() {
        if (LIBC == null) {
            return false;
        }
        LIBC.malloc_trim(0);
        return true;
    }
}
