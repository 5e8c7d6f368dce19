"""Mojibake and its repair by ftfy 6.3.1 (fix_text, default configuration: what open_clip's cleaning calls), for
vit4j's MojibakeFixer test. Run in ../shared/tools/openclip-venv.sh's environment:

    $(../shared/tools/openclip-venv.sh) tools/ftfy_fixtures.py

Writes vit4j-core/src/test/resources/dev/vit4j/text/ftfy-cases.json: [{"text", "fix_text", "fix_encoding"}]. The
cases: phrases in many scripts, each UTF-8 read back through every single-byte encoding fix_encoding knows (once and
twice), with U+A0 turned into spaces, with undefined windows-1252 bytes lost as U+FFFD, embedded in clean text, and
the clean phrases themselves (which must come back unchanged).
"""

import json
import os

import ftfy
import ftfy.fixes

OUT = os.path.join(os.path.dirname(__file__), "..", "vit4j-core", "src", "test", "resources", "dev", "vit4j", "text",
                   "ftfy-cases.json")

PHRASES = [
    "café au lait", "naïve Zoë", "São Paulo", "“quoted” — dash", "‘single’ quotes…", "price: 100 €", "Ελληνικά κείμενα",
    "Русский текст", "Łódź and Kraków", "Straße", "日本語のテキスト", "emoji 😀 here", "à la carte", "voilà le travail",
    "Ça va? Très bien", "ñandú", "İstanbul ğüşiöç", "Čeština žluťoučký", "Ångström", "non\u00a0breaking space",
    "1 × 2 ² ³", "© ® ™ °", "Æsir œuvre", "Größe: 5 µm", "العربية", "עברית", "हिन्दी", "中文字符", "한국어",
    "¿Qué? ¡Sí!", "Dvořák", "Ēriks Ģirts", "plain ascii text", "mixed café and 😀 and “quotes”",
]
ENCODINGS = ["latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250", "sloppy-windows-1253",
             "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2", "macroman", "cp437", "windows-1252"]


def cases():
    out = []
    for p in PHRASES:
        out.append(p)
        raw = p.encode("utf-8")
        for enc in ENCODINGS:
            try:
                once = raw.decode(enc)
            except UnicodeDecodeError:
                once = raw.decode(enc, errors="replace")
            out.append(once)
            out.append(once.replace("\u00a0", " "))
            out.append("clean words then " + once + " and more")
            try:
                out.append(once.encode("utf-8").decode(enc, errors="replace"))
            except LookupError:
                pass
        out.append(raw.decode("windows-1252", errors="replace"))
    out += ["", "ÃƒÂ©", "Ã©tÃ©", "â€œmojibakeâ€\x9d", "â€œlossyâ€\ufffd", "Ã\xa0 bientôt", "Ã  la", "\x80\x93 c1",
            "here comes a null! \xc3\x80\xc2\x80", "Ã¡ Ã¢ Ã£", "Ð ÑƒÑÑÐºÐ¸Ð¹", "â˜ƒ snowman", "Ãªtre", "MARIÃ¬", "ÃƒÂ¡",
            "The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.", "ÔØÕ", "â€", "Ã", "Â·", "cafe\u0301"]
    seen = set()
    unique = []
    for c in out:
        if c not in seen:
            seen.add(c)
            unique.append(c)
    return unique


def main():
    rows = [{"text": c, "fix_text": ftfy.fix_text(c), "fix_encoding": ftfy.fix_encoding(c)} for c in cases()]
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"ftfy": ftfy.__version__, "cases": rows}, f, ensure_ascii=True, indent=0)
    changed = sum(r["fix_encoding"] != r["text"] for r in rows)
    print("wrote", OUT, len(rows), "cases,", changed, "changed by fix_encoding")


if __name__ == "__main__":
    main()
