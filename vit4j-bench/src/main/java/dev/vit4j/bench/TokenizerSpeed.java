package dev.vit4j.bench;

import dev.vit4j.text.Cleaning;
import dev.vit4j.text.HuggingFaceTokenizer;
import dev.vit4j.text.OpenClipTokenizer;
import dev.vit4j.text.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * vit4j's tokenizers on one thread over a corpus, one text a line: texts per second, best of five passes after two
 * untimed ones. {@code tools/tokenizer_speed.py} runs Hugging Face's Rust {@code tokenizers} on the same file and the
 * same tokenizer files, one thread, for the ratio (docs/clip.md).
 * {@code java -cp vit4j-bench/target/vit4j-benchmarks.jar dev.vit4j.bench.TokenizerSpeed CORPUS SIGLIP_DIR}
 */
public final class TokenizerSpeed {
    private TokenizerSpeed() {}

    public static void main(String[] args) throws IOException {
        List<String> texts = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        Path siglip = Path.of(args[1]);
        Map<String, Tokenizer> tokenizers = Map.of(
                "clip (open_clip cleaning: ftfy, html, lower)", OpenClipTokenizer.bundled(Cleaning.LOWER, 77),
                "clip (no cleaning, as tokenizers' normalizer)", OpenClipTokenizer.bundled(Cleaning.NONE, 77),
                "siglip tokenizer.json (Unigram, no cleaning)",
                        HuggingFaceTokenizer.fromDirectory(siglip, Cleaning.NONE, 64));
        for (Map.Entry<String, Tokenizer> t : tokenizers.entrySet()) {
            double best = Double.MAX_VALUE;
            long checksum = 0;
            for (int pass = 0; pass < 7; pass++) {
                long t0 = System.nanoTime();
                for (String text : texts) {
                    checksum += t.getValue().encode(text)[1];
                }
                if (pass >= 2) {
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-48s %10.0f texts/s (%d texts in %.3f s; checksum %d)%n",
                    t.getKey(),
                    texts.size() / best,
                    texts.size(),
                    best,
                    checksum);
        }
    }
}
