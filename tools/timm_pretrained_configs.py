#!/usr/bin/python3
"""Writes the pretrained configs vit4j's registry carries, read from timm's own source (no torch needed).

    git -C pytorch-image-models archive v0.9.16 timm/models timm/data | tar -x -C /tmp/timm
    tools/timm_pretrained_configs.py /tmp/timm

For every architecture vit4j registers it evaluates timm's `default_cfgs` table the way timm's
`generate_default_cfgs` does (the default tag first), keeps the tags whose weights are on the Hugging Face
Hub, and writes one JSON resource per family file (vision_transformer.py and deit.py -> VisionTransformer,
cait.py -> Cait). The registry test compares the result with ../shared/fixtures/timm_data_configs.json.
"""
import gzip
import json
import pathlib
import re
import sys
from collections import OrderedDict

# The table's name -> (timm's files, architectures); each table is written into its family's package (vit, cait).
FAMILIES = {
    "vision_transformer": (["vision_transformer.py", "deit.py"], [
        "vit_tiny_patch16_224", "vit_small_patch16_224", "vit_base_patch16_224", "vit_large_patch16_224",
        "vit_base_patch32_224", "vit_base_patch16_384", "deit_tiny_patch16_224", "deit_small_patch16_224",
        "deit_base_patch16_224", "deit_tiny_distilled_patch16_224", "deit_small_distilled_patch16_224",
        "deit_base_distilled_patch16_224", "vit_small_patch14_dinov2", "vit_base_patch14_dinov2",
        "vit_large_patch14_dinov2", "vit_small_patch14_reg4_dinov2", "vit_base_patch14_reg4_dinov2",
        "vit_large_patch14_reg4_dinov2", "vit_base_patch16_clip_224", "vit_base_patch16_clip_quickgelu_224",
        "vit_large_patch14_clip_224", "vit_large_patch14_clip_quickgelu_224", "vit_base_patch16_siglip_224",
        "vit_base_patch16_siglip_256", "vit_base_patch16_siglip_384"]),
    "cait": (["cait.py"], [
        "cait_xxs24_224", "cait_xxs24_384", "cait_xxs36_224", "cait_xxs36_384", "cait_xs24_384", "cait_s24_224",
        "cait_s24_384", "cait_s36_384", "cait_m36_384", "cait_m48_448"]),
}
PACKAGES = {"vision_transformer": "vit", "cait": "cait"}
DEFAULTS = dict(url=None, file=None, hf_hub_id=None, hf_hub_filename=None, input_size=(3, 224, 224),
                interpolation="bicubic", crop_pct=0.875, crop_mode="center", mean=(0.485, 0.456, 0.406),
                std=(0.229, 0.224, 0.225), num_classes=1000, license=None)
# Class names vit4j ships, by head size; other heads (CLIP's projections, ImageNet-12k's 11 821) have none.
LABEL_SETS = {1000: "imagenet-1k", 21843: "imagenet-21k-goog"}


def block(source, start):
    """The text of the balanced (...) call that begins at `start`."""
    i = source.index("(", start)
    depth = 0
    for j in range(i, len(source)):
        depth += {"(": 1, ")": -1}.get(source[j], 0)
        if depth == 0:
            return source[i:j + 1]
    raise ValueError("unbalanced")


def cfgs_of(timm_root, file_name):
    source = (timm_root / "timm/models" / file_name).read_text()
    scope = {}
    exec((timm_root / "timm/data/constants.py").read_text(), scope)
    cfg_def = re.search(r"^def _cfg\(.*?(?=^\S)", source, re.S | re.M).group(0)
    exec("from typing import *\n" + cfg_def, scope)
    # From the first `default_cfgs =` through timm's generate_default_cfgs(...) call, with that call an identity.
    start = source.index("\ndefault_cfgs = ")
    call = source.index("generate_default_cfgs(", start)
    scope["generate_default_cfgs"] = lambda cfgs: cfgs
    exec(source[start:call] + "generate_default_cfgs" + block(source, call), scope)
    return scope["default_cfgs"]


def resolve(cfgs, arch):
    """timm's generate_default_cfgs for one architecture: (default tag, {tag: cfg}) in timm's order."""
    tags, chosen, pretrained = [], False, False
    out = OrderedDict()
    for key, value in cfgs.items():
        model, _, tag = key.partition(".")
        if model != arch:
            continue
        cfg = dict(DEFAULTS, **value)
        has_weights = bool(cfg["url"] or cfg["file"] or cfg["hf_hub_id"])
        priority = (has_weights and not tag) or (tag.endswith("*") and not chosen)
        tag = tag.strip("*")
        if priority:
            tags.insert(0, tag)
            chosen = True
        elif has_weights and not pretrained:
            tags.insert(0, tag)
        else:
            tags.append(tag)
        pretrained = pretrained or has_weights
        out[tag] = cfg
    return tags[0], OrderedDict((t, out[t]) for t in tags)


def main():
    timm_root = pathlib.Path(sys.argv[1])
    target = pathlib.Path(__file__).resolve().parent.parent / "vit4j-core/src/main/resources/dev/vit4j/models"
    for family, (files, archs) in FAMILIES.items():
        cfgs = {}
        for f in files:
            cfgs.update(cfgs_of(timm_root, f))
        entries = OrderedDict()
        for arch in archs:
            default, tagged = resolve(cfgs, arch)
            tags = []
            for tag, c in tagged.items():
                if not c["hf_hub_id"]:
                    continue  # weights only at a URL timm itself no longer uses: not downloadable by name
                hub = c["hf_hub_id"] + (arch + "." + tag if c["hf_hub_id"].endswith("/") else "")
                # A CLIP tower's image-text weights end in its projection into the joint space (512/768 wide), not
                # a classifier; timm marks nothing, its fine-tuned classifiers carry "_ft_" in the tag.
                head = "projection" if "_clip_" in arch and "_ft_" not in tag and c["num_classes"] else "classifier"
                tags.append(OrderedDict(
                    tag=tag, hf_hub_id=hub, hf_hub_filename=c["hf_hub_filename"], num_classes=c["num_classes"],
                    head=head, label_set=LABEL_SETS.get(c["num_classes"]), license=c["license"],
                    data_config=OrderedDict(input_size=list(c["input_size"]), interpolation=c["interpolation"],
                                            crop_pct=c["crop_pct"], crop_mode=c["crop_mode"],
                                            mean=list(c["mean"]), std=list(c["std"]))))
            entries[arch] = OrderedDict(default_tag=default, tags=tags)
        doc = OrderedDict(_source="timm 0.9.16 default_cfgs (" + ", ".join(files) + "), by tools/timm_pretrained_configs.py",
                          architectures=entries)
        package = target / PACKAGES[family]
        package.mkdir(parents=True, exist_ok=True)
        (package / (family + ".pretrained.json")).write_text(json.dumps(doc, indent=1) + "\n")
        print(family, sum(len(e["tags"]) for e in entries.values()), "tags")

    # The ImageNet-21k (Google's 21 843 synsets) class names, for the *_in21k tags, as the 1k list: index, synset, label.
    info = timm_root / "timm/data/_info"
    lemma = dict(line.rstrip("\n").split("\t", 1) for line in (info / "imagenet_synset_to_lemma.txt").open())
    rows = ["index\tsynset\tlabel"] + ["%d\t%s\t%s" % (i, s, lemma[s]) for i, s in
                                        enumerate((info / "imagenet21k_goog_synsets.txt").read_text().split())]
    data = target.parent / "data/imagenet-21k-goog-classes.tsv.gz"
    data.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode(), 9, mtime=0))


if __name__ == "__main__":
    main()
