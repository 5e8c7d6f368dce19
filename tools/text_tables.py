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
import ftfy.chardata as chardata
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
