"""Reference token ids for vit4j's pure-Java CLIP and SigLIP tokenizers, made with open_clip 3.3.0 and transformers 5.17.

Run in the environment ../shared/tools/openclip-venv.sh builds:

    $(../shared/tools/openclip-venv.sh) tools/clip_tokenizer_fixtures.py

It writes, under vit4j-core/src/test/resources/dev/vit4j/text/:
  hostile-texts.json       the corpus: accents, ligatures, full-width forms, emoji, CJK, HTML entities, zero-width and
                           non-breaking spaces, control characters, empty text, text longer than the context
  siglip-tokenizer/        a SigLIP tokenizer directory as timm/ViT-B-16-SigLIP holds one (T5's fast tokenizer over a
                           SentencePiece Unigram model with extra_ids=0, </s> as padding), from a small model trained here
                           on Debian's license texts, ImageNet's class names and a few lines in other scripts (the real
                           32 000-piece vocabulary is not reachable here)
  token-ids.json           for each corpus line: open_clip's SimpleTokenizer (context 77), transformers' CLIPTokenizer
                           over the same vocabulary, open_clip's HFTokenizer for SigLIP (clean="canonicalize",
                           context 64), the sentencepiece library on spiece.model after the same cleaning,
                           transformers' tokenizer over that directory without open_clip's cleaning,
                           and ftfy.fix_text's output (what the Java text fixer must give)
The SentencePiece model is trained only when siglip-tokenizer/spiece.model is missing (training takes minutes).
"""

import glob
import gzip
import json
import os
import sys
import tempfile

import ftfy
import open_clip
import sentencepiece as spm
from open_clip.tokenizer import basic_clean, canonicalize_text
from open_clip.tokenizer import HFTokenizer, SimpleTokenizer, bytes_to_unicode
from open_clip.zero_shot_metadata import IMAGENET_CLASSNAMES, OPENAI_IMAGENET_TEMPLATES
from transformers import AutoTokenizer, CLIPTokenizer

OUT = os.path.join(os.path.dirname(__file__), "..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "text")

LONG = "a photo of " + " ".join(["a very large and rather fluffy orange cat sitting on a red mat"] * 12)

MULTILINGUAL = [
    "Le café est très chaud ; l'été à Montréal, naïve Zoë mange une crème brûlée.",
    "Ångström, Øresund, Þór, Straße, Ærø, œuvre, Ĳssel, İstanbul, ΣΟΦΊΑ σοφία, Дом и мир",
    "日本語のテキストと中文的句子，还有한국어 문장도 있습니다。東京タワー",
    "مرحبا بالعالم שלום עולם नमस्ते दुनिया สวัสดีชาวโลก",
    "emoji 👍🏽 🇯🇵 ❤️ 👨‍👩‍👧 🐱 and full width ＡＢＣ１２３！",
]

HOSTILE = [
    "",
    "   ",
    "a photo of a cat",
    "A Photo Of A CAT!!!",
    "  leading and trailing spaces  ",
    "tabs\tand\nnew\r\nlines\x0bvertical\x0cfeed",
    "café naïve résumé Zoë Ångström",
    "cafe\u0301 decomposed e\u0301 and n\u0303",
    "ligatures: ﬁne ﬂower ﬀ ﬃ ﬄ ﬅ ﬆ Æsop œuvre Ĳ",
    "full width: ＡＢＣ ａｂｃ １２３ ！？ （ｘ） ｶﾀｶﾅ",
    "ideographic\u3000space and ＬＯＵＤ\u3000ＮＯＩＳＥＳ",
    "emoji 😀😃 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️ ☕ 🐈‍⬛",
    "中文 日本語 한국어 東京 ひらがな カタカナ",
    "日本語のテキストと中文的句子，还有한국어。",
    "html: &amp; &lt;b&gt;bold&lt;/b&gt; &quot;q&quot; &#39;s &#x27;t",
    "double escaped &amp;amp; &amp;lt; and &amp;#39;",
    "entities &nbsp;&copy;&reg;&trade;&hellip;&mdash;&ndash;&eacute;&Eacute;&EACUTE;",
    "no semicolon &copy 2024 &amp and &ampx &notin &notit; &unknownentity;",
    "numeric &#0; &#65; &#x41; &#128512; &#x1F600; &#x110000; &#xD800; &#128; &#150; &#65535;",
    "a <tag> stops ftfy's unescape &amp; here",
    "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060word",
    "non\u00a0breaking\u202fnarrow\u2007figure\u2009thin\u200ahair",
    "control \x00\x01\x07\x08 \x1b[31mred\x1b[0m \x7f end",
    "c1 controls \x80\x85\x91smart\x92 \x93quotes\x94 \x96dash \x9f",
    "curly “double” ‘single’ ‛reversed‟ ʼmodifier",
    "contractions: don't I'M we'LL you'RE they've she'd it's O'Neil rock'n'roll",
    "numbers 1234567890 3.14159 -42 1e-9 ½ ² ³ ① ⅷ",
    "mathematical 𝐀𝐁𝐂 𝒳𝒴 𝔄 ℌ ℍ ℕ ℝ",
    "accents ÀÁÂÃÄÅ àáâãäå ÇçÑñ ŠšŽž ĞğŞşİı",
    "greek ΟΔΟΣ σοφία ΣΊΣΥΦΟΣ",
    "Straße STRASSE ß ẞ",
    "under_score snake_case__words and-hyphens/slashes\\back",
    "punctuation only !!! ??? ... ,,, ;;; ::: --- ___ ###",
    "!@#$%^&*()_+-=[]{}|;':\",./<>?`~",
    "url https://example.com/path?q=1&lang=en#frag email user@example.org",
    "RTL مرحبا بالعالم and שלום",
    "devanagari नमस्ते thai สวัสดี",
    "combining a\u0300\u0301\u0302 stacked z\u0336\u0335\u0334",
    "variation selectors ✌\ufe0f ✌\ufe0e 葛\U000e0100",
    "surrogate-free astral 𝄞 𐍈 🀄",
    "replacement char \ufffd and noncharacter \ufffe",
    "line separator\u2028paragraph separator\u2029next line\x85end",
    "mojibake cafÃ© naÃ¯ve Ã©tÃ© â€œquotedâ€\x9d",
    "mixed CASE WoRdS with MiXeD cApItAlS",
    "repeated letters aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "a" * 300,
    "word " * 100,
    LONG,
    "\u00c5ngstr\u00f6m vs A\u030angstro\u0308m",
    "ﬁ" * 40,
    "x\u0000y",
    "the cat's toy and the dogs' bones",
    "It'S aLL rIGHT",
    "  \u3000 \u00a0 ",
    "\u200b",
    "&",
    "&;",
    "&#;",
    "&#x;",
    "&#12345678901234567890;",
    "&amp",
    "tab\there",
    "<start_of_text>literal specials<end_of_text> <|startoftext|> <|endoftext|>",
    "literal </s> <pad> <unk> pieces",
    "▁already▁escaped ▁ spaces",
]


def corpus():
    return HOSTILE + MULTILINGUAL


def training_text():
    lines = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                lines.extend(line.strip() for line in f if line.strip())
    for name in IMAGENET_CLASSNAMES:
        for template in OPENAI_IMAGENET_TEMPLATES[:6]:
            lines.append(template(name))
    lines.extend(MULTILINGUAL * 20)
    lines.extend(HOSTILE[:40])
    return lines


def train_sentencepiece(directory):
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "corpus.txt")
        with open(text, "w", encoding="utf-8") as f:
            for line in training_text():
                f.write(line.replace("\n", " ") + "\n")
        prefix = os.path.join(tmp, "spiece")
        # T5's (and SigLIP's c4-en) conventions: <pad>=0, </s>=1, <unk>=2, no BOS; nmt_nfkc normalisation
        spm.SentencePieceTrainer.train(
            input=text,
            model_prefix=prefix,
            vocab_size=3000,
            model_type="unigram",
            character_coverage=0.9995,
            pad_id=0,
            eos_id=1,
            unk_id=2,
            bos_id=-1,
            normalization_rule_name="nmt_nfkc",
            num_threads=2,
        )
        with open(prefix + ".model", "rb") as src, open(os.path.join(directory, "spiece.model"), "wb") as dst:
            dst.write(src.read())
    # as open_clip's SigLipTokenizer makes it: T5's tokenizer with extra_ids=0, legacy=False, </s> padding; saved with
    # transformers' tokenizer.json beside the SentencePiece model
    with open(os.path.join(directory, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(
            {
                "tokenizer_class": "T5Tokenizer",
                "extra_ids": 0,
                "legacy": False,
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "pad_token": "</s>",
                "model_max_length": 64,
            },
            f,
        )
    AutoTokenizer.from_pretrained(directory).save_pretrained(directory)


def clip_vocabulary_files(directory):
    """transformers' vocab.json and merges.txt for the vocabulary open_clip ships (as openai/clip-vit-* hold them)."""
    path = os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
    merges = gzip.open(path).read().decode("utf-8").split("\n")
    merges = merges[1 : 49152 - 256 - 2 + 1]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab.extend("".join(m.split()) for m in merges)
    vocab.extend(["<|startoftext|>", "<|endoftext|>"])
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({v: i for i, v in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")


def sentencepiece_ids(sp, text, context=64, eos=1, pad=1):
    """open_clip's SigLIP cleaning, then the sentencepiece library's own segmentation, </s> and padding to 64."""
    ids = sp.encode(canonicalize_text(basic_clean(text)))[: context - 1] + [eos]
    return ids + [pad] * (context - len(ids))


def main():
    os.makedirs(OUT, exist_ok=True)
    siglip_dir = os.path.join(OUT, "siglip-tokenizer")
    if not os.path.exists(os.path.join(siglip_dir, "spiece.model")):
        train_sentencepiece(siglip_dir)
    texts = corpus()
    with open(os.path.join(OUT, "hostile-texts.json"), "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=True, indent=0)

    simple = SimpleTokenizer()
    siglip = HFTokenizer(siglip_dir, context_length=64, clean="canonicalize")
    siglip_plain = AutoTokenizer.from_pretrained(siglip_dir)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(siglip_dir, "spiece.model"))
    with tempfile.TemporaryDirectory() as tmp:
        clip_vocabulary_files(tmp)
        clip_hf = CLIPTokenizer(vocab=os.path.join(tmp, "vocab.json"), merges=os.path.join(tmp, "merges.txt"))
        if len(clip_hf) != 49408:
            sys.exit("transformers did not read the CLIP vocabulary")
        out = {
            "fixed_text": [ftfy.fix_text(t) for t in texts],
            "clip_open_clip": simple(texts).tolist(),
            "clip_transformers": clip_hf(
                texts, padding="max_length", max_length=77, truncation=True
            ).input_ids,
            "siglip_open_clip": siglip(texts).tolist(),
            "siglip_sentencepiece": [sentencepiece_ids(sp, t) for t in texts],
            "siglip_transformers": siglip_plain(
                texts, padding="max_length", max_length=64, truncation=True
            ).input_ids,
        }
    with open(os.path.join(OUT, "token-ids.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True)
    print("wrote", OUT, len(texts), "texts")


if __name__ == "__main__":
    main()
