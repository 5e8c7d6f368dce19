package dev.vit4j.text;

import dev.vit4j.io.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * transformers' {@code vocab.json} and {@code merges.txt} of CLIP's vocabulary (as openai/clip-vit-* hold them), made
 * from the vocabulary open_clip ships, for tests of {@code CLIPModel} directories.
 */
public final class ClipVocabularyFiles {
    private ClipVocabularyFiles() {}

    public static void write(Path dir) throws IOException {
        List<String> merges = new ArrayList<>();
        try (InputStream raw = OpenClipTokenizer.class.getResourceAsStream("bpe_simple_vocab_16e6.txt.gz");
                BufferedReader r =
                        new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8))) {
            r.readLine();
            for (int i = 0; i < 49152 - 256 - 2; i++) {
                merges.add(r.readLine());
            }
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        char[] bytes = OpenClipTokenizer.byteCharactersInVocabularyOrder();
        for (char c : bytes) {
            vocab.put(String.valueOf(c), vocab.size());
        }
        for (char c : bytes) {
            vocab.put(c + "</w>", vocab.size());
        }
        for (String m : merges) {
            vocab.put(m.replace(" ", ""), vocab.size());
        }
        vocab.put("<|startoftext|>", vocab.size());
        vocab.put("<|endoftext|>", vocab.size());
        Files.createDirectories(dir);
        Files.write(dir.resolve("vocab.json"), Json.mapper().writeValueAsBytes(vocab));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
    }
}
