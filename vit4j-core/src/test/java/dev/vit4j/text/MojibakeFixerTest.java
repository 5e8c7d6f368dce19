package dev.vit4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ftfy 6.3.1's fix_encoding and fix_text on 970 texts (tools/ftfy_fixtures.py: phrases in many scripts read back
 * through every single-byte encoding ftfy knows, once and twice, with lost bytes and spaces for U+A0, inside clean
 * text, and the clean phrases themselves): the same text out, every one.
 */
class MojibakeFixerTest {
    private static JsonNode cases() throws IOException {
        try (InputStream in = MojibakeFixerTest.class.getResourceAsStream("ftfy-cases.json")) {
            return Json.mapper().readTree(in).get("cases");
        }
    }

    @Test
    void fixEncodingAndFixTextAreFtfys() throws IOException {
        JsonNode cases = cases();
        assertTrue(cases.size() > 900, "the corpus: " + cases.size());
        List<String> wrong = new ArrayList<>();
        int repaired = 0;
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            String encoding = MojibakeFixer.get().fixEncoding(text);
            if (!encoding.equals(c.get("fix_encoding").asText())) {
                wrong.add("fix_encoding " + TokenizerExactnessTest.q(text) + ": want "
                        + TokenizerExactnessTest.q(c.get("fix_encoding").asText()) + " got "
                        + TokenizerExactnessTest.q(encoding));
            }
            String fixed = TextFixer.fixText(text);
            if (!fixed.equals(c.get("fix_text").asText())) {
                wrong.add("fix_text " + TokenizerExactnessTest.q(text) + ": want "
                        + TokenizerExactnessTest.q(c.get("fix_text").asText()) + " got "
                        + TokenizerExactnessTest.q(fixed));
            }
            repaired += encoding.equals(text) ? 0 : 1;
        }
        assertEquals(List.of(), wrong, wrong.size() + " of " + 2 * cases.size() + " differ");
        assertTrue(repaired > 700, "most of the corpus is mojibake to repair: " + repaired);
    }
}
