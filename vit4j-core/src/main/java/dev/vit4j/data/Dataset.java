package dev.vit4j.data;

import java.util.List;

/**
 * Labelled images, random access. Implementations decode lazily or hold raw bytes; {@link #get} must be
 * safe to call from several loader threads at once.
 */
public interface Dataset {
    int size();

    Example get(int index);

    /** Class names in label order. */
    List<String> classes();

    /** Channels of every example (1 for gray sets, 3 for colour ones). */
    int channels();

    /** Height and width when every example has the same size; 0 when sizes vary (image folders). */
    int height();

    int width();

    /** A short description for logs, e.g. {@code fashion-mnist train (60000)}. */
    String describe();
}
