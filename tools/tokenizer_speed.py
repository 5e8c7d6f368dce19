"""Hugging Face's Rust `tokenizers` on one thread over a corpus (one text a line), beside vit4j's TokenizerSpeed:

    $(../shared/tools/openclip-venv.sh) tools/tokenizer_speed.py CORPUS SIGLIP_DIR CLIP_VOCAB_DIR
    java -cp vit4j-bench/target/vit4j-benchmarks.jar dev.vit4j.bench.TokenizerSpeed CORPUS SIGLIP_DIR

CORPUS: written first if missing, as ImageNet's 1000 labels x CLIP's 80 prompts, then the hostile corpus of the
tokenizer tests 200 times. CLIP_VOCAB_DIR: transformers' vocab.json + merges.txt (clip_tokenizer_fixtures.py writes
them), loaded as a tokenizers BPE with CLIPTokenizerFast's pipeline. Texts per second, best of five passes after two.
"""

import json
import os
import sys
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from tokenizers import Tokenizer  # noqa: E402
from transformers import CLIPTokenizer  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
RES = os.path.join(ROOT, "vit4j-core", "src", "main", "resources", "dev", "vit4j", "text")
HOSTILE = os.path.join(ROOT, "vit4j-core", "src", "test", "resources", "dev", "vit4j", "text", "hostile-texts.json")


def corpus(path):
    if os.path.exists(path):
        return
    labels = [l for l in open(os.path.join(RES, "imagenet-classnames.txt"), encoding="utf-8").read().split("\n") if l]
    templates = [t for t in open(os.path.join(RES, "openai-imagenet-templates.txt"), encoding="utf-8").read().split("\n") if t]
    hostile = [t.replace("\n", " ").replace("\r", " ") for t in json.load(open(HOSTILE, encoding="utf-8"))]
    lines = [t.replace("{}", l) for l in labels for t in templates] + hostile * 200
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def timed(name, encode, texts):
    for _ in range(2):
        for t in texts:
            encode(t)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for t in texts:
            encode(t)
        best = min(best, time.perf_counter() - t0)
    print("%-48s %10.0f texts/s (%d texts in %.3f s)" % (name, len(texts) / best, len(texts), best))


def main():
    path, siglip, clip_vocab = sys.argv[1:4]
    corpus(path)
    texts = open(path, encoding="utf-8").read().split("\n")[:-1]
    clip = CLIPTokenizer(vocab=os.path.join(clip_vocab, "vocab.json"),
                         merges=os.path.join(clip_vocab, "merges.txt"))
    rust = clip.backend_tokenizer if hasattr(clip, "backend_tokenizer") else clip._tokenizer
    rust.enable_truncation(77)
    rust.enable_padding(length=77, pad_id=49407)
    timed("clip tokenizers (Rust) encode", rust.encode, texts)
    sp = Tokenizer.from_file(os.path.join(siglip, "tokenizer.json"))
    sp.enable_truncation(64)
    sp.enable_padding(length=64, pad_id=1)
    timed("siglip tokenizer.json tokenizers (Rust) encode", sp.encode, texts)


if __name__ == "__main__":
    main()
