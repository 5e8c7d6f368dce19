package dev.vit4j.text;

import dev.vit4j.Vit4jException;
import dev.vit4j.io.BoundedFiles;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A UTF-8 file of one text per line (texts to embed, labels, templates), read strictly: bytes that are not UTF-8 are
 * refused naming the line. Lines end at {@code \n} ({@code \r\n} too); a final newline ends the last line rather than
 * starting an empty one; a byte-order mark is dropped.
 */
public final class TextLines {
    /** The largest such file read (a million captions of a hundred bytes). */
    public static final long MAX_BYTES = 256L << 20;

    private TextLines() {}

    /** Every line, in order, empty ones included (an empty text has an embedding too). */
    public static List<String> read(Path file, String what) {
        byte[] bytes = BoundedFiles.read(file, MAX_BYTES, what);
        List<String> lines = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i && !lines.isEmpty()) {
                    break;
                }
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                String line;
                try {
                    CharBuffer c = utf8.reset().decode(ByteBuffer.wrap(bytes, start, end - start));
                    line = c.toString();
                } catch (CharacterCodingException e) {
                    throw new Vit4jException(what + " " + file + ": line " + (lines.size() + 1) + " is not UTF-8");
                }
                if (lines.isEmpty() && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                lines.add(line);
                start = i + 1;
            }
        }
        if (lines.size() == 1 && lines.get(0).isEmpty() && bytes.length == 0) {
            lines.clear();
        }
        return lines;
    }

    /** The non-blank lines, stripped (labels, templates): blank lines and surrounding spaces are no one's label. */
    public static List<String> readNonBlank(Path file, String what) {
        List<String> out = new ArrayList<>();
        for (String line : read(file, what)) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        if (out.isEmpty()) {
            throw new Vit4jException(what + " " + file + " is empty");
        }
        return out;
    }
}
