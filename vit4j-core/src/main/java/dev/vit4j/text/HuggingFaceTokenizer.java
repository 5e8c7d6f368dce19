package dev.vit4j.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vit4j.Vit4jException;
import dev.vit4j.io.BoundedFiles;
import dev.vit4j.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code tokenizers} pipeline read from a {@code tokenizer.json} (or, for a {@code CLIPModel} directory
 * without one, built from {@code vocab.json} + {@code merges.txt} as transformers' {@code CLIPTokenizer} builds it):
 * added tokens, normalizer, pre-tokenizer, a BPE or Unigram model, the post-processor's special tokens. Called the way
 * open_clip's {@code HFTokenizer} calls it: open_clip's cleaning first, then truncation to the context (the special
 * tokens kept) and padding to it with the tokenizer's padding token.
 *
 * <p>The components read are those CLIP and SigLIP tokenizers use (normalizers Precompiled, NFC/NFD/NFKC/NFKD,
 * Lowercase, Strip, Replace, Prepend; pre-tokenizers WhitespaceSplit, Whitespace, Metaspace, Split, ByteLevel;
 * post-processors TemplateProcessing, RobertaProcessing, BertProcessing); any other is refused by name.
 */
public final class HuggingFaceTokenizer implements Tokenizer {
    /** A tokenizer file larger than this is refused before it is read (the largest real ones are about 35 MB). */
    public static final long MAX_FILE_BYTES = 64L << 20;

    private static final int MAX_VOCABULARY = 1 << 21;

    /** A piece of pre-tokenized text and whether it starts the original text (Metaspace's "first" scheme). */
    private record Piece(String text, boolean atStart) {}

    private interface PreTokenizer {
        List<Piece> split(Piece piece);
    }

    private interface Model {
        void encode(String word, List<Integer> out);
    }

    private record Added(String content, int id) {}

    private final String name;
    private final List<Added> added;
    private final UnaryOperator<String> normalizer;
    private final List<PreTokenizer> preTokenizers;
    private final Model model;
    private final int[] prefix;
    private final int[] suffix;
    private final int pad;
    private final Cleaning cleaning;
    private final int contextLength;

    private HuggingFaceTokenizer(
            String name,
            List<Added> added,
            UnaryOperator<String> normalizer,
            List<PreTokenizer> preTokenizers,
            Model model,
            int[] prefix,
            int[] suffix,
            int pad,
            Cleaning cleaning,
            int contextLength) {
        if (contextLength <= prefix.length + suffix.length) {
            throw new Vit4jException("a context of " + contextLength + " tokens holds no text");
        }
        this.name = name;
        // the longest first, so that the leftmost match found is also the longest there
        this.added = added.stream()
                .sorted((a, b) -> b.content().length() - a.content().length())
                .toList();
        this.normalizer = normalizer;
        this.preTokenizers = preTokenizers;
        this.model = model;
        this.prefix = prefix;
        this.suffix = suffix;
        this.pad = pad;
        this.cleaning = cleaning;
        this.contextLength = contextLength;
    }

    /**
     * The tokenizer of a directory holding {@code tokenizer.json} (its padding token from {@code tokenizer_config.json}
     * or {@code special_tokens_map.json} beside it).
     */
    public static HuggingFaceTokenizer fromDirectory(Path dir, Cleaning cleaning, int contextLength) {
        Path file = dir.resolve("tokenizer.json");
        JsonNode root = readJson(file);
        try {
            return fromJson(root, dir, cleaning, contextLength);
        } catch (RuntimeException e) {
            if (e instanceof Vit4jException) {
                throw new Vit4jException(file + ": " + e.getMessage(), e);
            }
            throw new Vit4jException(file + " is not a tokenizer vit4j can read (" + e + ")", e);
        }
    }

    /**
     * A {@code CLIPModel} directory's {@code vocab.json} and {@code merges.txt}, as transformers' {@code CLIPTokenizer}
     * builds its pipeline from them (NFC, whitespace runs to one space, lower case; CLIP's split; byte-level BPE).
     */
    public static HuggingFaceTokenizer clipFromVocabulary(Path dir, Cleaning cleaning, int contextLength) {
        JsonNode vocabJson = readJson(dir.resolve("vocab.json"));
        Map<String, Integer> vocab = new HashMap<>();
        vocabJson
                .fields()
                .forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        String merges = new String(
                BoundedFiles.read(dir.resolve("merges.txt"), MAX_FILE_BYTES, "tokenizer merges"),
                StandardCharsets.UTF_8);
        List<String[]> pairs = new ArrayList<>();
        for (String line : merges.split("\n")) {
            if (line.startsWith("#version") || line.isBlank()) {
                continue;
            }
            String[] pair = line.strip().split(" ");
            if (pair.length != 2) {
                throw new Vit4jException(dir.resolve("merges.txt") + ": a merge is two symbols, not '" + line + "'");
            }
            pairs.add(pair);
        }
        String bos = "<|startoftext|>";
        String eos = "<|endoftext|>";
        Integer bosId = vocab.get(bos);
        Integer eosId = vocab.get(eos);
        if (bosId == null || eosId == null) {
            throw new Vit4jException(
                    dir.resolve("vocab.json") + " has no " + bos + " and " + eos + ": not CLIP's vocabulary");
        }
        BytePairEncoding bpe = new BytePairEncoding(vocab, pairs, "</w>", eosId);
        UnaryOperator<String> normalizer = s -> lowercase(WHITESPACE_RUN
                .matcher(java.text.Normalizer.normalize(s, Form.NFC))
                .replaceAll(" "));
        List<PreTokenizer> pre = List.of(
                split(Pattern.compile(CLIP_SPLIT, Pattern.UNICODE_CHARACTER_CLASS), true, "removed"), byteLevel(false));
        String padToken = padTokenName(dir);
        int pad = padToken == null ? eosId : vocab.getOrDefault(padToken, eosId);
        return new HuggingFaceTokenizer(
                "CLIP BPE (transformers' CLIPTokenizer)",
                List.of(new Added(bos, bosId), new Added(eos, eosId)),
                normalizer,
                pre,
                (word, out) -> {
                    for (int id : bpe.encode(word)) {
                        out.add(id);
                    }
                },
                new int[] {bosId},
                new int[] {eosId},
                pad,
                cleaning,
                contextLength);
    }

    private static final String CLIP_SPLIT =
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
    private static final Pattern WHITESPACE_RUN = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static JsonNode readJson(Path file) {
        byte[] bytes = BoundedFiles.read(file, MAX_FILE_BYTES, "tokenizer file");
        try {
            return Json.mapper().readTree(bytes);
        } catch (IOException e) {
            throw new Vit4jException(file + " is not JSON: " + e.getMessage().split("\n", 2)[0]);
        }
    }

    private static HuggingFaceTokenizer fromJson(JsonNode root, Path dir, Cleaning cleaning, int contextLength) {
        JsonNode modelNode = required(root, "model");
        String type = modelNode.path("type").asText("");
        Model model;
        Map<String, Integer> vocabulary = new HashMap<>();
        switch (type) {
            case "BPE" -> {
                Map<String, Integer> vocab = new HashMap<>();
                JsonNode v = required(modelNode, "vocab");
                checkSize(v.size());
                v.fields()
                        .forEachRemaining(
                                e -> vocab.put(e.getKey(), e.getValue().asInt()));
                List<String[]> pairs = new ArrayList<>();
                for (JsonNode m : required(modelNode, "merges")) {
                    String[] pair = m.isArray()
                            ? new String[] {m.get(0).asText(), m.get(1).asText()}
                            : m.asText().split(" ", 2);
                    if (pair.length != 2) {
                        throw new Vit4jException("a BPE merge is two symbols, not '" + m.asText() + "'");
                    }
                    pairs.add(pair);
                }
                if (!modelNode.path("continuing_subword_prefix").asText("").isEmpty()) {
                    throw new Vit4jException("BPE with a continuing_subword_prefix is not read");
                }
                if (modelNode.path("byte_fallback").asBoolean(false)) {
                    throw new Vit4jException("BPE with byte_fallback is not read");
                }
                String unk = modelNode.path("unk_token").isTextual()
                        ? modelNode.get("unk_token").asText()
                        : null;
                BytePairEncoding bpe = new BytePairEncoding(
                        vocab,
                        pairs,
                        modelNode.path("end_of_word_suffix").asText(""),
                        unk == null ? null : vocab.get(unk));
                boolean ignoreMerges = modelNode.path("ignore_merges").asBoolean(false);
                model = (word, out) -> {
                    Integer whole = ignoreMerges ? vocab.get(word) : null;
                    if (whole != null) {
                        out.add(whole);
                    } else {
                        for (int id : bpe.encode(word)) {
                            out.add(id);
                        }
                    }
                };
                vocabulary.putAll(vocab);
            }
            case "Unigram" -> {
                JsonNode v = required(modelNode, "vocab");
                checkSize(v.size());
                List<String> pieces = new ArrayList<>(v.size());
                double[] scores = new double[v.size()];
                boolean[] matchable = new boolean[v.size()];
                for (int i = 0; i < v.size(); i++) {
                    pieces.add(v.get(i).get(0).asText());
                    scores[i] = v.get(i).get(1).asDouble();
                    matchable[i] = true;
                    vocabulary.putIfAbsent(pieces.get(i), i);
                }
                int unk = modelNode.path("unk_id").asInt(-1);
                if (unk < 0 || unk >= pieces.size()) {
                    throw new Vit4jException("a Unigram model without an unk_id is not read");
                }
                int[] byteIds = null;
                if (modelNode.path("byte_fallback").asBoolean(false)) {
                    byteIds = new int[256];
                    for (int b = 0; b < 256; b++) {
                        Integer id = vocabulary.get(String.format("<0x%02X>", b));
                        if (id == null) {
                            throw new Vit4jException(
                                    "byte_fallback without the piece <0x" + Integer.toHexString(b) + ">");
                        }
                        byteIds[b] = id;
                    }
                }
                UnigramModel unigram = new UnigramModel(pieces, scores, matchable, unk, false, byteIds);
                model = unigram::encode;
            }
            default -> throw new Vit4jException(
                    "a " + (type.isEmpty() ? "typeless" : type) + " model is not read" + " (BPE or Unigram)");
        }
        List<Added> added = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            added.add(new Added(t.get("content").asText(), t.get("id").asInt()));
            vocabulary.putIfAbsent(t.get("content").asText(), t.get("id").asInt());
        }
        UnaryOperator<String> normalizer = normalizer(root.path("normalizer"));
        List<PreTokenizer> pre = new ArrayList<>();
        preTokenizers(root.path("pre_tokenizer"), pre);
        List<Integer> prefix = new ArrayList<>();
        List<Integer> suffix = new ArrayList<>();
        postProcessor(root.path("post_processor"), prefix, suffix);
        String padToken = padTokenName(dir);
        Integer pad = padToken == null ? null : vocabulary.get(padToken);
        if (pad == null) {
            throw new Vit4jException("no padding token"
                    + (padToken == null
                            ? " is named (tokenizer_config.json's pad_token)"
                            : " '" + padToken + "' in the vocabulary"));
        }
        return new HuggingFaceTokenizer(
                type + " (tokenizer.json)",
                added,
                normalizer,
                pre,
                model,
                prefix.stream().mapToInt(Integer::intValue).toArray(),
                suffix.stream().mapToInt(Integer::intValue).toArray(),
                pad,
                cleaning,
                contextLength);
    }

    private static void checkSize(int n) {
        if (n > MAX_VOCABULARY) {
            throw new Vit4jException(
                    "a vocabulary of " + n + " pieces is larger than the " + MAX_VOCABULARY + " vit4j reads");
        }
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new Vit4jException("no '" + field + "'");
        }
        return v;
    }

    /** The padding token transformers would use: tokenizer_config.json's, else special_tokens_map.json's. */
    static String padTokenName(Path dir) {
        for (String file : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
            Path p = dir.resolve(file);
            if (Files.isRegularFile(p)) {
                JsonNode pad = readJson(p).path("pad_token");
                if (pad.isTextual()) {
                    return pad.asText();
                }
                if (pad.path("content").isTextual()) {
                    return pad.get("content").asText();
                }
            }
        }
        return null;
    }

    private static UnaryOperator<String> normalizer(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return UnaryOperator.identity();
        }
        String type = n.path("type").asText("");
        return switch (type) {
            case "Sequence" -> {
                List<UnaryOperator<String>> parts = new ArrayList<>();
                for (JsonNode c : required(n, "normalizers")) {
                    parts.add(normalizer(c));
                }
                yield s -> {
                    for (UnaryOperator<String> p : parts) {
                        s = p.apply(s);
                    }
                    return s;
                };
            }
            case "Precompiled" -> {
                String map = n.path("precompiled_charsmap").asText("");
                if (map.isEmpty()) {
                    yield UnaryOperator.identity();
                }
                PrecompiledCharsmap charsmap =
                        PrecompiledCharsmap.parse(Base64.getDecoder().decode(map));
                yield charsmap::normalizeAsTokenizers;
            }
            case "NFC" -> s -> java.text.Normalizer.normalize(s, Form.NFC);
            case "NFD" -> s -> java.text.Normalizer.normalize(s, Form.NFD);
            case "NFKC" -> s -> java.text.Normalizer.normalize(s, Form.NFKC);
            case "NFKD" -> s -> java.text.Normalizer.normalize(s, Form.NFKD);
            case "Lowercase" -> HuggingFaceTokenizer::lowercase;
            case "Strip" -> {
                boolean left = n.path("strip_left").asBoolean(true);
                boolean right = n.path("strip_right").asBoolean(true);
                yield s -> strip(s, left, right);
            }
            case "Prepend" -> {
                String prepend = required(n, "prepend").asText();
                yield s -> s.isEmpty() ? s : prepend + s;
            }
            case "Replace" -> {
                Pattern p = pattern(required(n, "pattern"));
                String content = Matcher.quoteReplacement(required(n, "content").asText());
                yield s -> p.matcher(s).replaceAll(content);
            }
            default -> throw new Vit4jException("the normalizer " + type + " is not read");
        };
    }

    private static Pattern pattern(JsonNode p) {
        if (p.has("String")) {
            return Pattern.compile(Pattern.quote(p.get("String").asText()));
        }
        if (p.has("Regex")) {
            return Pattern.compile(p.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
        }
        throw new Vit4jException("a pattern is a String or a Regex");
    }

    private static void preTokenizers(JsonNode n, List<PreTokenizer> into) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return;
        }
        String type = n.path("type").asText("");
        switch (type) {
            case "Sequence" -> {
                for (JsonNode c : required(n, "pretokenizers")) {
                    preTokenizers(c, into);
                }
            }
            case "WhitespaceSplit" -> into.add(
                    split(Pattern.compile("\\S+", Pattern.UNICODE_CHARACTER_CLASS), true, "removed"));
            case "Whitespace" -> into.add(
                    split(Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS), true, "removed"));
            case "Split" -> into.add(split(
                    pattern(required(n, "pattern")),
                    n.path("invert").asBoolean(false),
                    n.path("behavior").asText("")));
            case "ByteLevel" -> {
                if (n.path("use_regex").asBoolean(true)) {
                    into.add(split(GPT2_SPLIT, true, "removed"));
                }
                into.add(byteLevel(n.path("add_prefix_space").asBoolean(false)));
            }
            case "Metaspace" -> {
                String replacement = n.path("replacement").asText("▁");
                String scheme = n.has("prepend_scheme")
                        ? n.get("prepend_scheme").asText()
                        : n.path("add_prefix_space").asBoolean(true) ? "always" : "never";
                boolean splitOn = n.path("split").asBoolean(true);
                into.add(metaspace(replacement, scheme, splitOn));
            }
            default -> throw new Vit4jException("the pre-tokenizer " + type + " is not read");
        }
    }

    /**
     * Splits by {@code pattern}: with {@code invert} its matches are the pieces (the rest removed); otherwise its matches
     * are delimiters, removed or isolated as pieces of their own.
     */
    private static PreTokenizer split(Pattern pattern, boolean invert, String behavior) {
        boolean isolated =
                switch (behavior.toLowerCase(java.util.Locale.ROOT)) {
                    case "removed" -> false;
                    case "isolated" -> true;
                    default -> throw new Vit4jException("the split behavior '" + behavior + "' is not read");
                };
        return piece -> {
            List<Piece> out = new ArrayList<>();
            Matcher m = pattern.matcher(piece.text());
            int last = 0;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (invert) {
                    if (isolated && m.start() > last) {
                        out.add(new Piece(piece.text().substring(last, m.start()), piece.atStart() && last == 0));
                    }
                    out.add(new Piece(m.group(), piece.atStart() && m.start() == 0));
                } else {
                    if (m.start() > last) {
                        out.add(new Piece(piece.text().substring(last, m.start()), piece.atStart() && last == 0));
                    }
                    if (isolated) {
                        out.add(new Piece(m.group(), piece.atStart() && m.start() == 0));
                    }
                }
                last = m.end();
            }
            if (last < piece.text().length() && (!invert || isolated)) {
                out.add(new Piece(piece.text().substring(last), piece.atStart() && last == 0));
            }
            return out;
        };
    }

    private static PreTokenizer byteLevel(boolean addPrefixSpace) {
        return piece -> {
            String t = addPrefixSpace && !piece.text().startsWith(" ") ? " " + piece.text() : piece.text();
            return List.of(new Piece(OpenClipTokenizer.byteLevel(t), piece.atStart()));
        };
    }

    /** tokenizers' {@code Metaspace}: spaces become the replacement, which is prepended and starts each piece. */
    private static PreTokenizer metaspace(String replacement, String scheme, boolean split) {
        if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
            throw new Vit4jException("the Metaspace prepend_scheme '" + scheme + "' is not read");
        }
        return piece -> {
            String t = piece.text().replace(" ", replacement);
            if (!t.startsWith(replacement) && (scheme.equals("always") || scheme.equals("first") && piece.atStart())) {
                t = replacement + t;
            }
            if (!split) {
                return List.of(new Piece(t, piece.atStart()));
            }
            List<Piece> out = new ArrayList<>();
            int from = 0;
            for (int i = t.indexOf(replacement, 1); i >= 0; i = t.indexOf(replacement, i + replacement.length())) {
                if (i > from) {
                    out.add(new Piece(t.substring(from, i), piece.atStart() && from == 0));
                }
                from = i;
            }
            if (from < t.length()) {
                out.add(new Piece(t.substring(from), piece.atStart() && from == 0));
            }
            return out;
        };
    }

    private static void postProcessor(JsonNode n, List<Integer> prefix, List<Integer> suffix) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return;
        }
        String type = n.path("type").asText("");
        switch (type) {
            case "Sequence" -> {
                for (JsonNode c : required(n, "processors")) {
                    postProcessor(c, prefix, suffix);
                }
            }
            case "ByteLevel" -> {
                // offsets only
            }
            case "RobertaProcessing", "BertProcessing" -> {
                prefix.add(required(n, "cls").get(1).asInt());
                suffix.add(required(n, "sep").get(1).asInt());
            }
            case "TemplateProcessing" -> {
                JsonNode specials = required(n, "special_tokens");
                boolean seenSequence = false;
                for (JsonNode item : required(n, "single")) {
                    if (item.has("Sequence")) {
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String id = item.get("SpecialToken").get("id").asText();
                        for (JsonNode tokenId : required(required(specials, id), "ids")) {
                            (seenSequence ? suffix : prefix).add(tokenId.asInt());
                        }
                    }
                }
            }
            default -> throw new Vit4jException("the post-processor " + type + " is not read");
        }
    }

    /** tokenizers' {@code Lowercase}: each character's full lower case, with no context (a final sigma stays σ). */
    static String lowercase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp == 0x130) {
                out.append("i\u0307");
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static String strip(String s, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && Character.isWhitespace(s.codePointAt(from))) {
            from += Character.charCount(s.codePointAt(from));
        }
        while (right && to > from && Character.isWhitespace(s.codePointBefore(to))) {
            to -= Character.charCount(s.codePointBefore(to));
        }
        return s.substring(from, to);
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public int[] encode(String text) {
        String cleaned = cleaning.apply(Tokenizer.checked(text));
        List<Integer> content = new ArrayList<>();
        int pos = 0;
        while (pos <= cleaned.length()) {
            int at = cleaned.length();
            Added found = null;
            for (Added a : added) {
                int i = cleaned.indexOf(a.content(), pos);
                if (i >= 0 && i < at) {
                    at = i;
                    found = a;
                }
            }
            if (at > pos) {
                encodeSegment(cleaned.substring(pos, at), pos == 0, content);
            }
            if (found == null) {
                break;
            }
            content.add(found.id());
            pos = at + found.content().length();
        }
        int room = contextLength - prefix.length - suffix.length;
        int[] ids = new int[contextLength];
        java.util.Arrays.fill(ids, pad);
        int n = 0;
        for (int id : prefix) {
            ids[n++] = id;
        }
        for (Iterator<Integer> it = content.iterator(); it.hasNext() && room > 0; room--) {
            ids[n++] = it.next();
        }
        for (int id : suffix) {
            ids[n++] = id;
        }
        return ids;
    }

    private void encodeSegment(String segment, boolean atStart, List<Integer> out) {
        List<Piece> pieces = List.of(new Piece(normalizer.apply(segment), atStart));
        for (PreTokenizer p : preTokenizers) {
            List<Piece> next = new ArrayList<>();
            for (Piece piece : pieces) {
                next.addAll(p.split(piece));
            }
            pieces = next;
        }
        for (Piece piece : pieces) {
            if (!piece.text().isEmpty()) {
                model.encode(piece.text(), out);
            }
        }
    }

    @Override
    public String describe() {
        return name + ", cleaning " + cleaning.id() + ", " + contextLength + " tokens";
    }
}
