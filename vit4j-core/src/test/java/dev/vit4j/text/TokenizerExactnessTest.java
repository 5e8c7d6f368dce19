package dev.vit4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token ids equal open_clip's, transformers' and the sentencepiece library's on every line of a hostile corpus
 * (tools/clip_tokenizer_fixtures.py made both files with open_clip 3.3.0 and transformers 5.17).
 */
class TokenizerExactnessTest {
    static List<String> texts;
    static JsonNode expected;

    @BeforeAll
    static void read() throws IOException {
        texts = new ArrayList<>();
        Json.mapper().readTree(resource("hostile-texts.json")).forEach(t -> texts.add(t.asText()));
        expected = Json.mapper().readTree(resource("token-ids.json"));
    }

    static InputStream resource(String name) {
        return TokenizerExactnessTest.class.getResourceAsStream(name);
    }

    static Path siglipDirectory() {
        try {
            return Path.of(
                    TokenizerExactnessTest.class.getResource("siglip-tokenizer").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String q(String s) {
        try {
            return Json.mapper().writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertColumn(String column, Function<String, int[]> tokenizer) {
        List<String> wrong = new ArrayList<>();
        JsonNode rows = expected.get(column);
        assertEquals(texts.size(), rows.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] want = new int[rows.get(i).size()];
            for (int k = 0; k < want.length; k++) {
                want[k] = rows.get(i).get(k).asInt();
            }
            int[] got;
            try {
                got = tokenizer.apply(texts.get(i));
            } catch (RuntimeException e) {
                wrong.add(i + " " + q(texts.get(i)) + ": " + e);
                continue;
            }
            if (!Arrays.equals(want, got)) {
                wrong.add(i + " " + q(texts.get(i)) + "\n  want " + Arrays.toString(want) + "\n  got  "
                        + Arrays.toString(got));
            }
        }
        assertEquals(List.of(), wrong, column + ": " + wrong.size() + " of " + texts.size() + " lines differ");
    }

    @Test
    void textFixerIsFtfy() {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String want = expected.get("fixed_text").get(i).asText();
            String got = TextFixer.fixText(texts.get(i));
            if (!want.equals(got)) {
                wrong.add(i + ": want " + q(want) + " got " + q(got));
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void clipIsOpenClipSimpleTokenizer() {
        OpenClipTokenizer t = OpenClipTokenizer.bundled(Cleaning.LOWER, 77);
        assertColumn("clip_open_clip", t::encode);
    }

    @Test
    void clipVocabularyFilesAreTransformersClipTokenizer(@TempDir Path dir) throws IOException {
        ClipVocabularyFiles.write(dir);
        HuggingFaceTokenizer t = HuggingFaceTokenizer.clipFromVocabulary(dir, Cleaning.NONE, 77);
        assertColumn("clip_transformers", t::encode);
    }

    @Test
    void siglipIsOpenClipHfTokenizer() {
        HuggingFaceTokenizer t = HuggingFaceTokenizer.fromDirectory(siglipDirectory(), Cleaning.CANONICALIZE, 64);
        assertColumn("siglip_open_clip", t::encode);
    }

    @Test
    void siglipTokenizerJsonIsTransformers() {
        HuggingFaceTokenizer t = HuggingFaceTokenizer.fromDirectory(siglipDirectory(), Cleaning.NONE, 64);
        assertColumn("siglip_transformers", t::encode);
    }

    @Test
    void spieceModelIsTheSentencepieceLibrary() {
        SentencePieceTokenizer t =
                SentencePieceTokenizer.read(siglipDirectory().resolve("spiece.model"), null, Cleaning.CANONICALIZE, 64);
        assertColumn("siglip_sentencepiece", t::encode);
    }
}
