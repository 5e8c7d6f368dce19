package dev.vit4j.text;

import dev.vit4j.Vit4jException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tokenizer a text tower was trained with, found the way open_clip finds it. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * {@code kind} "clip-bpe": open_clip's own BPE over its bundled vocabulary; "directory": the files of {@code dir},
     * as open_clip's {@code HFTokenizer} (transformers' {@code AutoTokenizer}) reads them — {@code tokenizer.json},
     * else SentencePiece's {@code spiece.model}, else {@code vocab.json} + {@code merges.txt} (a CLIP vocabulary).
     */
    public static Tokenizer forModel(String kind, String clean, int contextLength, Path dir) {
        Cleaning cleaning = Cleaning.of(clean);
        if (kind.equals("clip-bpe")) {
            return OpenClipTokenizer.bundled(cleaning, contextLength);
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new Vit4jException("this model's tokenizer is read from its directory, and it was given no directory"
                    + " (pass the model directory, not its weights file)");
        }
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            return HuggingFaceTokenizer.fromDirectory(dir, cleaning, contextLength);
        }
        if (Files.isRegularFile(dir.resolve("spiece.model"))) {
            return SentencePieceTokenizer.read(
                    dir.resolve("spiece.model"), HuggingFaceTokenizer.padTokenName(dir), cleaning, contextLength);
        }
        if (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))) {
            return HuggingFaceTokenizer.clipFromVocabulary(dir, cleaning, contextLength);
        }
        throw new Vit4jException(
                dir + " holds no tokenizer (tokenizer.json, spiece.model, or vocab.json with" + " merges.txt)");
    }
}
