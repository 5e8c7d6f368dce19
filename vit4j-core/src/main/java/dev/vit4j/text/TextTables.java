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
