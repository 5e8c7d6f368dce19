"""The tables vit4j's text cleaning reads, from the Python whose behaviour it reproduces (open_clip's cleaning calls
ftfy.fix_text and html.unescape). Run in ../shared/tools/openclip-venv.sh's environment (Python 3.11, ftfy 6.3.1):

    $(../shared/tools/openclip-venv.sh) tools/text_tables.py

Writes vit4j-core/src/main/resources/dev/vit4j/text/text-tables.json:
  html5               html.entities.html5 (name -> text; names with and without ';', as Python's html.unescape reads)
  invalid_charrefs    html's numeric references the HTML5 spec replaces (0x80-0x9f as windows-1252, 0x00, 0x0d)
  invalid_codepoints  code points html.unescape drops
  ftfy_uppercase      ftfy's extra entities: an all-lower-case entity's name upper-cased (&EACUTE; -> É)
  ftfy_c1             ftfy's fix_c1_controls: U+0080-U+009F through its sloppy windows-1252
  ftfy_ligatures      ftfy's fix_latin_ligatures
  ftfy_width          ftfy's fix_character_width (full-width and half-width forms, U+3000)
  ftfy_charmaps       fix_encoding's single-byte encodings, in its order: bytes 0x80-0xFF and 0x1A as each decodes them
                      (ftfy's sloppy codecs: undefined bytes as Latin-1, 0x1A as U+FFFD); windows-1252 strictly (null
                      where undefined)
  ftfy_regex          fix_encoding's regular expressions (badness, the UTF-8 detector's start and unit, and the byte
                      patterns read over Latin-1 text) rewritten for java.util.regex: verbose whitespace and comments dropped, every
                      non-ASCII or space character as an x{...} escape, Python's s and w classes as Python reads them
and copies open_clip's BPE vocabulary (bpe_simple_vocab_16e6.txt.gz, MIT) beside it, with open_clip's zero-shot
prompts: OpenAI's 80 ImageNet templates (openai-imagenet-templates.txt, '{}' for the label) and its ImageNet class
names (imagenet-classnames.txt).
"""

import html
import html.entities
import json
import os
import shutil

import ftfy
import ftfy.badness as badness
import ftfy.chardata as chardata
import ftfy.fixes as fixes
import open_clip

OUT = os.path.join(os.path.dirname(__file__), "..", "vit4j-core", "src", "main", "resources", "dev", "vit4j", "text")

html5 = dict(html.entities.html5)
invalid_charrefs = {str(k): v for k, v in html._invalid_charrefs.items()}
invalid_codepoints = sorted(html._invalid_codepoints)
plain = {"&" + name: char for name, char in html5.items() if name.endswith(";")}
uppercase = {k: v for k, v in chardata.HTML_ENTITIES.items() if k not in plain}
assert all(chardata.HTML_ENTITIES[k] == v for k, v in plain.items())
c1 = {str(i): bytes([i]).decode("sloppy-windows-1252") for i in range(0x80, 0xA0)}
ligatures = {str(k): v for k, v in chardata.LIGATURES.items()}
width = {str(k): v for k, v in chardata.WIDTH_MAP.items()}

# Python's str.isspace() and \w (str.isalnum() or '_') as java.util.regex classes
PY_SPACE = r"\t\n\x{b}\f\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
PY_WORD = r"\p{L}\p{N}_"


def java_regex(pattern, verbose):
    """A Python `re` pattern as java.util.regex reads it the same way (the constructs ftfy's patterns use)."""
    out = []
    i = 0
    in_class = False
    class_start = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1]
            if nxt == "s":
                out.append(PY_SPACE if in_class else "[" + PY_SPACE + "]")
            elif nxt == "w":
                out.append(PY_WORD if in_class else "[" + PY_WORD + "]")
            elif nxt == "x":
                out.append("\\x{%s}" % pattern[i + 2:i + 4])
                i += 2
            elif nxt.isalnum():
                raise ValueError("escape \\%s not translated" % nxt)
            else:
                out.append("\\x{%x}" % ord(nxt))
            i += 2
            class_start = False
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
                out.append("]")
            elif c == "-" or (c == "^" and class_start):
                out.append(c)
            else:
                out.append("\\x{%x}" % ord(c))
            class_start = False
        elif verbose and c.isspace():
            pass
        elif verbose and c == "#":
            while i < len(pattern) and pattern[i] != "\n":
                i += 1
        elif c == "[":
            in_class = True
            class_start = True
            out.append("[")
        elif ord(c) > 126 or c == " " or ord(c) < 32:
            out.append("\\x{%x}" % ord(c))
        else:
            out.append(c)
        i += 1
    return "".join(out)


def byte_regex(regex):
    return java_regex(regex.pattern.decode("latin-1"), bool(regex.flags & __import__("re").VERBOSE))


def text_regex(regex):
    return java_regex(regex.pattern, bool(regex.flags & __import__("re").VERBOSE))


byte_range = bytes(list(range(0x80, 0x100)) + [0x1A])
charmaps = {enc: byte_range.decode(enc) for enc in chardata.CHARMAP_ENCODINGS}
strict_1252 = {}
for b in range(0x80, 0x100):
    try:
        strict_1252[str(b)] = bytes([b]).decode("windows-1252")
    except UnicodeDecodeError:
        strict_1252[str(b)] = None
# UTF8_DETECTOR_RE is (?<! [continuation]) ( unit )+ : exported as its start and its unit, because java.util.regex
# repeats a group by recursion (a long run would overflow the stack) while Python's engine does not
UTF8_UNIT = """
        [{utf8_first_of_2}] [{utf8_continuation}]
        |
        [{utf8_first_of_3}] [{utf8_continuation}]{{2}}
        |
        [{utf8_first_of_4}] [{utf8_continuation}]{{3}}
""".format(**chardata.UTF8_CLUES)
UTF8_NOT_AFTER = "(?<! [{utf8_continuation_strict}])".format(**chardata.UTF8_CLUES)
assert "".join(chardata.UTF8_DETECTOR_RE.pattern.split()) == "".join((UTF8_NOT_AFTER + "(" + UTF8_UNIT + ")+").split())
regexes = {
    "badness": text_regex(badness.BADNESS_RE),
    "utf8_detector_start": java_regex(UTF8_NOT_AFTER + "(?:" + UTF8_UNIT + ")", True),
    "utf8_detector_unit": java_regex("(?:" + UTF8_UNIT + ")", True),
    "altered_utf8": byte_regex(chardata.ALTERED_UTF8_RE),
    "lossy_utf8": byte_regex(chardata.LOSSY_UTF8_RE),
    "a_grave_word": byte_regex(fixes.A_GRAVE_WORD_RE),
}
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "text-tables.json"), "w", encoding="utf-8") as f:
    json.dump(
        {
            "source": "Python %s html.entities; ftfy %s" % (".".join(map(str, __import__("sys").version_info[:3])), ftfy.__version__),
            "html5": html5,
            "invalid_charrefs": invalid_charrefs,
            "invalid_codepoints": invalid_codepoints,
            "ftfy_uppercase": uppercase,
            "ftfy_c1": c1,
            "ftfy_ligatures": ligatures,
            "ftfy_width": width,
            "ftfy_charmaps": {"order": chardata.CHARMAP_ENCODINGS, "maps": charmaps},
            "ftfy_windows_1252": strict_1252,
            "ftfy_regex": regexes,
        },
        f,
        ensure_ascii=True,
        sort_keys=True,
    )
shutil.copyfile(
    os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz"),
    os.path.join(OUT, "bpe_simple_vocab_16e6.txt.gz"),
)
from open_clip.zero_shot_metadata import IMAGENET_CLASSNAMES, OPENAI_IMAGENET_TEMPLATES

with open(os.path.join(OUT, "openai-imagenet-templates.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(t("{}") for t in OPENAI_IMAGENET_TEMPLATES) + "\n")
with open(os.path.join(OUT, "imagenet-classnames.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(IMAGENET_CLASSNAMES) + "\n")
print("wrote", OUT)
