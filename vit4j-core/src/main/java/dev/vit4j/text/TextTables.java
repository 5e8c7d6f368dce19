package dev.vit4j.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The tables text cleaning reads, generated from the Python it reproduces by {@code tools/text_tables.py}: Python's
 * {@code html.entities.html5} and {@code html.unescape}'s replacement tables, and ftfy 6.3's character maps.
 */
final class TextTables {
    final Map<String, String> html5 = new HashMap<>();
    final Map<Integer, String> invalidCharrefs = new HashMap<>();
    final Set<Integer> invalidCodepoints = new HashSet<>();
    final Map<String, String> ftfyEntities = new HashMap<>();
    final Map<Integer, String> c1 = new HashMap<>();
    final Map<Integer, String> ligatures = new HashMap<>();
    final Map<Integer, String> width = new HashMap<>();
    /** fix_encoding's single-byte encodings in its order: what bytes 0x80–0xFF and 0x1A decode to in each. */
    final Map<String, String> charmaps = new java.util.LinkedHashMap<>();
    /** windows-1252 decoded strictly: bytes 0x80–0xFF, null where undefined. */
    final String[] windows1252 = new String[128];
    /** fix_encoding's regular expressions, rewritten for java.util.regex by tools/text_tables.py. */
    final Map<String, String> regex = new HashMap<>();

    private static final class Holder {
        static final TextTables TABLES = read();
    }

    static TextTables get() {
        return Holder.TABLES;
    }

    private static TextTables read() {
        try (InputStream in = TextTables.class.getResourceAsStream("text-tables.json")) {
            if (in == null) {
                throw new IllegalStateException("text-tables.json missing from the jar");
            }
            JsonNode root = Json.mapper().readTree(in);
            TextTables t = new TextTables();
            root.get("html5")
                    .fields()
                    .forEachRemaining(e -> t.html5.put(e.getKey(), e.getValue().asText()));
            root.get("invalid_charrefs")
                    .fields()
                    .forEachRemaining(e -> t.invalidCharrefs.put(
                            Integer.parseInt(e.getKey()), e.getValue().asText()));
            root.get("invalid_codepoints").forEach(n -> t.invalidCodepoints.add(n.asInt()));
            t.html5.forEach((name, text) -> {
                if (name.endsWith(";")) {
                    t.ftfyEntities.put("&" + name, text);
                }
            });
            root.get("ftfy_uppercase")
                    .fields()
                    .forEachRemaining(
                            e -> t.ftfyEntities.put(e.getKey(), e.getValue().asText()));
            codepoints(root.get("ftfy_c1"), t.c1);
            codepoints(root.get("ftfy_ligatures"), t.ligatures);
            codepoints(root.get("ftfy_width"), t.width);
            JsonNode maps = root.get("ftfy_charmaps").get("maps");
            root.get("ftfy_charmaps")
                    .get("order")
                    .forEach(
                            e -> t.charmaps.put(e.asText(), maps.get(e.asText()).asText()));
            root.get("ftfy_windows_1252")
                    .fields()
                    .forEachRemaining(e -> t.windows1252[Integer.parseInt(e.getKey()) - 0x80] =
                            e.getValue().isNull() ? null : e.getValue().asText());
            root.get("ftfy_regex")
                    .fields()
                    .forEachRemaining(e -> t.regex.put(e.getKey(), e.getValue().asText()));
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable text-tables.json", e);
        }
    }

    private static void codepoints(JsonNode table, Map<Integer, String> into) {
        table.fields()
                .forEachRemaining(
                        e -> into.put(Integer.parseInt(e.getKey()), e.getValue().asText()));
    }
}
