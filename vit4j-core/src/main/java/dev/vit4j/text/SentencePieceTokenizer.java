package dev.vit4j.text;

import com.google.protobuf.CodedInputStream;
import dev.vit4j.Vit4jException;
import dev.vit4j.io.BoundedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A SentencePiece Unigram model ({@code spiece.model}, Kudo &amp; Richardson 2018) read without the native library:
 * the model's own normalizer (its precompiled charsmap — {@code nmt_nfkc} for SigLIP — with leading, trailing and
 * repeated whitespace removed and spaces escaped as '▁', a '▁' prepended), Unigram segmentation as the sentencepiece
 * library does it, then {@code </s>} appended, truncated and padded to the context as open_clip's SigLIP tokenizer
 * does (T5's conventions: {@code </s>} also pads).
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private static final String SPACE = "\u2581";
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int BYTE = 6;

    private final UnigramModel model;
    private final PrecompiledCharsmap charsmap;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final int eos;
    private final int pad;
    private final Cleaning cleaning;
    private final int contextLength;

    private SentencePieceTokenizer(
            UnigramModel model,
            PrecompiledCharsmap charsmap,
            boolean addDummyPrefix,
            boolean removeExtraWhitespaces,
            boolean escapeWhitespaces,
            int eos,
            int pad,
            Cleaning cleaning,
            int contextLength) {
        if (contextLength < 2) {
            throw new Vit4jException("a context of " + contextLength + " tokens holds no text");
        }
        this.model = model;
        this.charsmap = charsmap;
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.escapeWhitespaces = escapeWhitespaces;
        this.eos = eos;
        this.pad = pad;
        this.cleaning = cleaning;
        this.contextLength = contextLength;
    }

    /**
     * {@code spiece.model} read; padding with {@code padToken} (a piece; null: {@code </s>}, as open_clip's SigLIP
     * tokenizer pads).
     */
    public static SentencePieceTokenizer read(Path file, String padToken, Cleaning cleaning, int contextLength) {
        byte[] bytes = BoundedFiles.read(file, HuggingFaceTokenizer.MAX_FILE_BYTES, "SentencePiece model");
        try {
            return parse(bytes, padToken, cleaning, contextLength);
        } catch (IOException e) {
            throw new Vit4jException(file + " is not a SentencePiece model: " + e.getMessage());
        } catch (Vit4jException e) {
            throw new Vit4jException(file + ": " + e.getMessage(), e);
        }
    }

    private static SentencePieceTokenizer parse(byte[] bytes, String padToken, Cleaning cleaning, int contextLength)
            throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        byte[] charsmap = null;
        boolean addDummyPrefix = true;
        boolean removeExtra = true;
        boolean escape = true;
        int modelType = 1;
        boolean byteFallback = false;
        boolean whitespaceAsSuffix = false;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case (1 << 3) | 2 -> {
                    CodedInputStream p = CodedInputStream.newInstance(in.readByteArray());
                    String piece = "";
                    float score = 0;
                    int type = NORMAL;
                    for (int t = p.readTag(); t != 0; t = p.readTag()) {
                        switch (t) {
                            case (1 << 3) | 2 -> piece = p.readStringRequireUtf8();
                            case (2 << 3) | 5 -> score = p.readFloat();
                            case (3 << 3) -> type = p.readEnum();
                            default -> p.skipField(t);
                        }
                    }
                    if (pieces.size() >= (1 << 21)) {
                        throw new Vit4jException("more than " + (1 << 21) + " pieces");
                    }
                    pieces.add(piece);
                    scores.add(score);
                    types.add(type);
                }
                case (2 << 3) | 2 -> {
                    CodedInputStream t = CodedInputStream.newInstance(in.readByteArray());
                    for (int f = t.readTag(); f != 0; f = t.readTag()) {
                        switch (f) {
                            case (3 << 3) -> modelType = t.readEnum();
                            case (24 << 3) -> whitespaceAsSuffix = t.readBool();
                            case (35 << 3) -> byteFallback = t.readBool();
                            default -> t.skipField(f);
                        }
                    }
                }
                case (3 << 3) | 2 -> {
                    CodedInputStream n = CodedInputStream.newInstance(in.readByteArray());
                    for (int f = n.readTag(); f != 0; f = n.readTag()) {
                        switch (f) {
                            case (2 << 3) | 2 -> charsmap = n.readByteArray();
                            case (3 << 3) -> addDummyPrefix = n.readBool();
                            case (4 << 3) -> removeExtra = n.readBool();
                            case (5 << 3) -> escape = n.readBool();
                            default -> n.skipField(f);
                        }
                    }
                }
                default -> in.skipField(tag);
            }
        }
        if (pieces.isEmpty()) {
            throw new Vit4jException("no pieces");
        }
        if (modelType != 1) {
            throw new Vit4jException("a " + (modelType == 2 ? "BPE" : "word or character") + " SentencePiece model; "
                    + "vit4j reads Unigram ones (SigLIP's)");
        }
        if (whitespaceAsSuffix) {
            throw new Vit4jException("treat_whitespace_as_suffix is not read");
        }
        double[] s = new double[pieces.size()];
        boolean[] matchable = new boolean[pieces.size()];
        int unk = -1;
        int eos = -1;
        int[] byteIds = byteFallback ? new int[256] : null;
        if (byteIds != null) {
            Arrays.fill(byteIds, -1);
        }
        for (int i = 0; i < pieces.size(); i++) {
            s[i] = scores.get(i);
            int type = types.get(i);
            matchable[i] = type == NORMAL || type == USER_DEFINED;
            if (type == UNKNOWN && unk < 0) {
                unk = i;
            }
            if (type == CONTROL && pieces.get(i).equals("</s>")) {
                eos = i;
            }
            if (type == BYTE && byteIds != null && pieces.get(i).matches("<0x[0-9A-Fa-f]{2}>")) {
                byteIds[Integer.parseInt(pieces.get(i).substring(3, 5), 16)] = i;
            }
            if (type < NORMAL || type > BYTE) {
                throw new Vit4jException("piece " + i + " has the unknown type " + type);
            }
        }
        if (unk < 0) {
            throw new Vit4jException("no unknown piece");
        }
        if (eos < 0) {
            throw new Vit4jException("no </s> piece (T5's and SigLIP's end of sequence)");
        }
        if (byteIds != null && Arrays.stream(byteIds).anyMatch(b -> b < 0)) {
            throw new Vit4jException("byte_fallback without all 256 byte pieces");
        }
        int pad = eos;
        if (padToken != null) {
            pad = pieces.indexOf(padToken);
            if (pad < 0) {
                throw new Vit4jException("no padding piece '" + padToken + "'");
            }
        }
        return new SentencePieceTokenizer(
                new UnigramModel(pieces, s, matchable, unk, true, byteIds),
                charsmap == null || charsmap.length == 0 ? null : PrecompiledCharsmap.parse(charsmap),
                addDummyPrefix,
                removeExtra,
                escape,
                eos,
                pad,
                cleaning,
                contextLength);
    }

    /** sentencepiece's {@code Normalizer::Normalize}: the longest charsmap rule at each position, whitespace handled. */
    String normalize(String text) {
        byte[] in = text.getBytes(StandardCharsets.UTF_8);
        int pos = 0;
        if (removeExtraWhitespaces) {
            while (pos < in.length) {
                String[] rule = new String[1];
                int len = prefix(in, pos, rule);
                if (!rule[0].equals(" ")) {
                    break;
                }
                pos += len;
            }
        }
        if (pos == in.length) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 1);
        String space = escapeWhitespaces ? SPACE : " ";
        if (addDummyPrefix) {
            out.append(space);
        }
        boolean previousSpace = removeExtraWhitespaces;
        while (pos < in.length) {
            String[] rule = new String[1];
            int len = prefix(in, pos, rule);
            String sp = rule[0];
            if (previousSpace) {
                int k = 0;
                while (k < sp.length() && sp.charAt(k) == ' ') {
                    k++;
                }
                sp = sp.substring(k);
            }
            if (!sp.isEmpty()) {
                for (int k = 0; k < sp.length(); k++) {
                    char c = sp.charAt(k);
                    if (escapeWhitespaces && c == ' ') {
                        out.append(SPACE);
                    } else {
                        out.append(c);
                    }
                }
                previousSpace = sp.charAt(sp.length() - 1) == ' ';
            }
            pos += len;
            if (!removeExtraWhitespaces) {
                previousSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            while (out.length() >= space.length()
                    && out.substring(out.length() - space.length()).equals(space)) {
                out.setLength(out.length() - space.length());
            }
        }
        return out.toString();
    }

    /** The normalized text of the rule at {@code pos} (or the character there as it is) and its length in bytes. */
    private int prefix(byte[] in, int pos, String[] rule) {
        int[] match = charsmap == null ? null : charsmap.longest(in, pos);
        if (match != null) {
            rule[0] = charsmap.replacementAt(match[1]);
            return match[0];
        }
        int b = in[pos] & 0xff;
        int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        len = Math.min(len, in.length - pos);
        rule[0] = new String(in, pos, len, StandardCharsets.UTF_8);
        return len;
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public int[] encode(String text) {
        List<Integer> content = new ArrayList<>();
        model.encode(normalize(cleaning.apply(Tokenizer.checked(text))), content);
        int[] ids = new int[contextLength];
        Arrays.fill(ids, pad);
        int n = Math.min(content.size(), contextLength - 1);
        for (int i = 0; i < n; i++) {
            ids[i] = content.get(i);
        }
        ids[n] = eos;
        return ids;
    }

    @Override
    public String describe() {
        return "SentencePiece Unigram (spiece.model), cleaning " + cleaning.id() + ", " + contextLength + " tokens";
    }
}
