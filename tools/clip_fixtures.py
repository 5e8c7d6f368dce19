"""Reference outputs of open_clip 3.3.0 two-tower models (CLIP and SigLIP) for vit4j's tests, made in the environment
../shared/tools/openclip-venv.sh builds:

    $(../shared/tools/openclip-venv.sh) tools/clip_fixtures.py small   # committed test fixtures (tiny models)
    $(../shared/tools/openclip-venv.sh) tools/clip_fixtures.py full    # full-size ViT-B/16 outputs (weights made in Java)
    $(../shared/tools/openclip-venv.sh) tools/clip_fixtures.py onnx [DIR]   # open_clip's ONNX export of the text towers
    $(../shared/tools/openclip-venv.sh) tools/clip_fixtures.py transformers   # tiny CLIPModel and SiglipModel dirs
    $(../shared/tools/openclip-venv.sh) tools/clip_fixtures.py openai  # a tiny OpenAI-style TorchScript .pt

small: two open_clip directories (open_clip_config.json, open_clip_model.safetensors in float16, tokenizer files),
  CLIP with QuickGELU and a causal text tower over the real 49 408-token vocabulary, SigLIP with a bidirectional
  last-token text tower, a projection bias, logit_bias and the SentencePiece tokenizer trained by
  clip_tokenizer_fixtures.py; random weights with every parameter perturbed (logit_scale, logit_bias and the
  embeddings too), rounded to float16 before the reference runs. expected.json holds, for images and texts the Java
  tests never see elsewhere: token ids, encode_text, encode_image through open_clip's own eval transform, and
  zero-shot logits and probabilities (build_zero_shot_classifier).
full: ViT-B-16-quickgelu and ViT-B-16-SigLIP at full size, every tensor filled by a counter-based generator
  (splitmix64 of the tensor's name and index: GeneratedWeights.java makes the same bytes), so only outputs are stored.
onnx: torch.onnx.export of each full-size model's encode_text, the speed anchor `vit4j bench --text` runs beside, and
  the model as an open_clip directory with the same weights (../shared/anchors is read-only: DIR, default
  /tmp/vit4j-openclip-anchors).
openai: a tiny CLIP (64 wide: open_clip gives OpenAI's checkpoints 64-wide heads) in float16 as a TorchScript archive (torch.jit.script + save: the format of OpenAI's
  ViT-B-16.pt), with expected.json from open_clip's load_openai_model and its OpenAI preprocessing at 32 px.
transformers: transformers 5.17's CLIPModel (QuickGELU, eos pooling) and SiglipModel (tanh GELU in both towers, the
  attention-pooling head) saved by save_pretrained with their tokenizers and PIL-backend image processors (CLIPImageProcessorPil,
  SiglipImageProcessorPil: transformers 5's default torchvision backend resizes differently, printed); expected.json
  as for small, from get_text_features, get_image_features and the processors, texts padded to max_length as the
  model cards say.
"""

import json
import math
import os
import shutil
import sys

import numpy as np
import open_clip
import torch
from open_clip import build_zero_shot_classifier
from PIL import Image, ImageDraw
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..")
RES = os.path.join(ROOT, "vit4j-core", "src", "test", "resources", "dev", "vit4j", "clip")
SIGLIP_TOKENIZER = os.path.join(ROOT, "vit4j-core", "src", "test", "resources", "dev", "vit4j", "text", "siglip-tokenizer")

TEXTS = [
    "a photo of a cat",
    "A DIAGRAM of a red car, with &amp; entities",
    "ﬁne café — naïve Zoë ＡＢＣ 😀",
    "",
    "snake_case_label (with punctuation!)",
    "a very long caption " * 30,
]
LABELS = ["cat", "dog", "red car", "tree", "café au lait"]
TEMPLATES = ["a photo of a {}.", "a blurry drawing of the {}", "{}"]

CLIP_TINY = {
    "model_cfg": {
        "embed_dim": 24,
        "quick_gelu": True,
        "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 16, "patch_size": 8},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 2},
    },
    "preprocess_cfg": {
        "size": 32,
        "mode": "RGB",
        "mean": [0.48145466, 0.4578275, 0.40821073],
        "std": [0.26862954, 0.26130258, 0.27577711],
        "interpolation": "bicubic",
        "resize_mode": "longest",
        "fill_color": 0,
    },
}

SIGLIP_TINY = {
    "model_cfg": {
        "embed_dim": 24,
        "init_logit_bias": -10,
        "custom_text": True,
        "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 16, "patch_size": 8},
        "text_cfg": {
            "context_length": 64,
            "vocab_size": 3000,
            "hf_tokenizer_name": "timm/ViT-B-16-SigLIP",
            "tokenizer_kwargs": {"clean": "canonicalize"},
            "width": 32,
            "heads": 2,
            "layers": 2,
            "no_causal_mask": True,
            "proj_bias": True,
            "pool_type": "last",
            "norm_kwargs": {"eps": 1e-6},
        },
    },
    "preprocess_cfg": {
        "size": 32,
        "mode": "RGB",
        "mean": [0.5, 0.5, 0.5],
        "std": [0.5, 0.5, 0.5],
        "interpolation": "bicubic",
        "resize_mode": "squash",
        "fill_color": 0,
    },
}


def images(directory):
    """Three images of different sizes and aspect ratios, drawn from a fixed seed."""
    rng = np.random.default_rng(2026)
    out = []
    for i, (w, h) in enumerate([(57, 40), (23, 61), (96, 96)]):
        noise = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        img = Image.fromarray(noise)
        d = ImageDraw.Draw(img)
        d.ellipse([w // 5, h // 4, w * 3 // 4, h * 4 // 5], fill=(200, 40 * i, 90))
        d.rectangle([0, 0, w // 3, h // 6], fill=(10, 220, 30 + 50 * i))
        name = "image%d.png" % i
        img.save(os.path.join(directory, name))
        out.append(name)
    return out


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)
            if name.endswith("logit_scale"):
                p.add_(0.3)
            if name.endswith("logit_bias"):
                p.fill_(-2.5)
            p.copy_(p.half().float())


def reference(model, tokenizer, preprocess, directory, names, scoring):
    model.eval()
    with torch.no_grad():
        ids = tokenizer(TEXTS)
        text = model.encode_text(ids)
        pics = torch.stack([preprocess(Image.open(os.path.join(directory, n))) for n in names])
        image = model.encode_image(pics)
        classifier = build_zero_shot_classifier(
            model, tokenizer, LABELS, [t.format for t in TEMPLATES], num_classes_per_batch=2, device="cpu", use_tqdm=False
        )
        features = torch.nn.functional.normalize(image, dim=-1)
        logits = model.logit_scale.exp() * features @ classifier
        if scoring == "sigmoid":
            logits = logits + model.logit_bias
            probs = torch.sigmoid(logits)
        else:
            probs = logits.softmax(dim=-1)
    return {
        "texts": TEXTS,
        "token_ids": ids.tolist(),
        "text_embeds": text.tolist(),
        "images": names,
        "image_embeds": image.tolist(),
        "pixel_values": pics.reshape(len(names), -1)[:, :64].tolist(),
        "labels": LABELS,
        "templates": TEMPLATES,
        "scoring": scoring,
        "logit_scale": float(model.logit_scale.detach().exp()),
        "logits": logits.tolist(),
        "probabilities": probs.tolist(),
    }


def small():
    torch.manual_seed(0)
    for name, cfg, scoring, seed in (
        ("clip-tiny", CLIP_TINY, "softmax", 11),
        ("siglip-tiny", SIGLIP_TINY, "sigmoid", 12),
    ):
        d = os.path.join(RES, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "open_clip_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        if name.startswith("siglip"):
            for fn in ("tokenizer.json", "tokenizer_config.json", "spiece.model"):
                shutil.copyfile(os.path.join(SIGLIP_TOKENIZER, fn), os.path.join(d, fn))
        model, _, preprocess = open_clip.create_model_and_transforms("local-dir:" + d, pretrained=None)
        perturb(model, seed)
        save_file({k: v.half().contiguous() for k, v in model.state_dict().items()},
                  os.path.join(d, "open_clip_model.safetensors"))
        # loaded back the way a user loads it: open_clip's own reader of the directory
        model, _, preprocess = open_clip.create_model_and_transforms("local-dir:" + d)
        tokenizer = open_clip.get_tokenizer("local-dir:" + d)
        out_dir = os.path.join(RES, name + "-expected")
        os.makedirs(out_dir, exist_ok=True)
        names = images(out_dir)
        ref = reference(model, tokenizer, preprocess, out_dir, names, scoring)
        with open(os.path.join(out_dir, "expected.json"), "w") as f:
            json.dump(ref, f)
        print("wrote", d, out_dir)


# --- full size: weights from a counter-based generator both languages compute -------------------------------------

MASK = (1 << 64) - 1


def fnv1a(name):
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & MASK
    return h


def uniform(name, n):
    """u in [-1, 1): splitmix64(fnv1a(name) + (i + 1) * golden) >> 11, scaled."""
    i = np.arange(1, n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a(name)) + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53) * 2.0 - 1.0


def generated(name, shape):
    """A tensor's values: norms' weights near 1, other vectors small, matrices scaled by fan-in; the pair's scale
    and bias near typical trained values (the same rules as GeneratedWeights.java)."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform(name, n)
    last = name.rsplit(".", 1)[-1]
    if last == "logit_scale" or name == "logit_scale":
        v = math.log(1 / 0.07) + 0.2 * u
    elif name.endswith("logit_bias"):
        v = -3.0 + 0.5 * u
    elif len(shape) <= 1 and ("norm" in name or "ln_" in name) and name.endswith("weight"):
        v = 1.0 + 0.1 * u
    elif len(shape) <= 1:
        v = 0.05 * u
    else:
        fan_in = int(np.prod(shape[1:]))
        v = u * (math.sqrt(3.0) / math.sqrt(fan_in))
    return torch.from_numpy(np.asarray(v, dtype=np.float64).astype(np.float32).reshape(shape))


FULL = [("ViT-B-16-quickgelu", "softmax"), ("ViT-B-16-SigLIP", "sigmoid")]

# what the Hub's timm/ViT-B-16-SigLIP holds: open_clip's pretrained cfg for its webli weights (_slpcfg)
SIGLIP_PREPROCESS = {"mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5), "interpolation": "bicubic", "resize_mode": "squash"}


def full_model(arch):
    model = open_clip.create_model(arch, pretrained=None)
    if "SigLIP" in arch:
        open_clip.set_model_preprocess_cfg(model, {**open_clip.get_model_preprocess_cfg(model), **SIGLIP_PREPROCESS})
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dtype.is_floating_point:
                t.copy_(generated(name, tuple(t.shape)))
    return model.eval()


def full():
    out_dir = os.path.join(RES, "full-size")
    os.makedirs(out_dir, exist_ok=True)
    names = images(out_dir)
    for arch, scoring in FULL:
        model = full_model(arch)
        cfg = open_clip.get_model_config(arch)
        pp = open_clip.get_model_preprocess_cfg(model)
        preprocess = open_clip.transform.image_transform_v2(open_clip.transform.PreprocessCfg(**pp), is_train=False)
        with open(os.path.join(out_dir, arch + ".open_clip_config.json"), "w") as f:
            json.dump({"model_cfg": cfg, "preprocess_cfg": pp}, f, indent=2)
        if scoring == "sigmoid":
            tokenizer = open_clip.tokenizer.HFTokenizer(SIGLIP_TOKENIZER, context_length=64, clean="canonicalize")
        else:
            tokenizer = open_clip.get_tokenizer(arch)
        ref = reference(model, tokenizer, preprocess, out_dir, names, scoring)
        ref["parameters"] = {k: list(v.shape) for k, v in model.state_dict().items()}
        with open(os.path.join(out_dir, arch + ".expected.json"), "w") as f:
            json.dump(ref, f)
        print("wrote", arch)


def onnx():
    """For each full-size model, into the folder given (default /tmp/vit4j-openclip-anchors): an open_clip directory
    with its generated weights (what `vit4j bench -w` loads) and ARCH.text.onnx, torch.onnx.export of encode_text."""
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/vit4j-openclip-anchors"
    os.makedirs(out, exist_ok=True)
    for arch, scoring in FULL:
        model = full_model(arch)
        d = os.path.join(out, arch)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "open_clip_config.json"), "w") as f:
            cfg = open_clip.get_model_config(arch)
            if scoring == "sigmoid":
                cfg["text_cfg"]["hf_tokenizer_name"] = "timm/ViT-B-16-SigLIP"
            json.dump({"model_cfg": cfg, "preprocess_cfg": open_clip.get_model_preprocess_cfg(model)}, f, indent=2)
        if scoring == "sigmoid":
            for fn in ("tokenizer.json", "tokenizer_config.json", "spiece.model"):
                shutil.copyfile(os.path.join(SIGLIP_TOKENIZER, fn), os.path.join(d, fn))
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(d, "open_clip_model.safetensors"))

        class Text(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids):
                return self.m.encode_text(input_ids)

        ctx = model.context_length
        ids = torch.zeros(2, ctx, dtype=torch.long)
        ids[:, 0] = 1
        ids[:, 5] = 3
        path = os.path.join(out, arch + ".text.onnx")
        torch.onnx.export(
            Text(model), (ids,), path, input_names=["input_ids"], output_names=["text_embeds"],
            dynamic_axes={"input_ids": {0: "batch"}, "text_embeds": {0: "batch"}}, opset_version=17, dynamo=False,
        )
        print("wrote", d, path)


def openai():
    # open_clip reads OpenAI's checkpoints with 64-wide heads: the smallest such model
    cfg = {"embed_dim": 24, "quick_gelu": True,
           "vision_cfg": {"image_size": 32, "layers": 1, "width": 64, "head_width": 64, "patch_size": 8},
           "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 1, "layers": 1}}
    model = open_clip.model.CLIP(**cfg).eval()
    perturb(model, 31)
    path = os.path.join(RES, "openai-tiny.pt")
    torch.jit.script(model.half()).save(path)
    # what load_openai_model does with an archive, less the causal mask open_clip's own scripted CLIP keeps as a buffer
    # (OpenAI's archives have none in their state dict)
    state = {k: v for k, v in torch.jit.load(path, map_location="cpu").state_dict().items() if k != "attn_mask"}
    model = open_clip.model.build_model_from_openai_state_dict(state).float().eval()
    preprocess = open_clip.transform.image_transform(32, is_train=False, mean=open_clip.OPENAI_DATASET_MEAN,
                                                     std=open_clip.OPENAI_DATASET_STD)
    out_dir = os.path.join(RES, "openai-tiny-expected")
    os.makedirs(out_dir, exist_ok=True)
    names = images(out_dir)
    ref = reference(model, open_clip.get_tokenizer("ViT-B-16"), preprocess, out_dir, names, "softmax")
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(ref, f)
    print("wrote", path, out_dir)


def transformers_dirs():
    import tempfile

    import transformers
    from clip_tokenizer_fixtures import clip_vocabulary_files

    def common(d):
        return dict(hidden_size=d, intermediate_size=2 * d, num_hidden_layers=2, num_attention_heads=2)

    tmp = tempfile.mkdtemp()
    clip_vocabulary_files(tmp)
    models = {
        "clip-hf": (
            transformers.CLIPModel(transformers.CLIPConfig(
                text_config=dict(common(16), vocab_size=49408, max_position_embeddings=77, eos_token_id=49407,
                                 bos_token_id=49406, pad_token_id=49407),
                vision_config=dict(common(32), image_size=32, patch_size=8),
                projection_dim=24)),
            transformers.CLIPTokenizer(vocab=os.path.join(tmp, "vocab.json"), merges=os.path.join(tmp, "merges.txt")),
            transformers.CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
            "softmax", 21),
        "siglip-hf": (
            transformers.SiglipModel(transformers.SiglipConfig(
                text_config=dict(common(32), vocab_size=3000, max_position_embeddings=64, projection_size=32),
                vision_config=dict(common(32), image_size=32, patch_size=8))),
            transformers.SiglipTokenizer(vocab_file=os.path.join(SIGLIP_TOKENIZER, "spiece.model")),
            transformers.SiglipImageProcessorPil(size={"height": 32, "width": 32}),
            "sigmoid", 22),
    }
    for name, (model, tokenizer, processor, scoring, seed) in models.items():
        d = os.path.join(RES, name)
        os.makedirs(d, exist_ok=True)
        perturb(model, seed)
        model.half().save_pretrained(d)
        tokenizer.save_pretrained(d)
        processor.save_pretrained(d)
        model = type(model).from_pretrained(d, dtype=torch.float32).eval()
        tokenizer = type(tokenizer).from_pretrained(d)
        processor = type(processor).from_pretrained(d)
        out_dir = os.path.join(RES, name + "-expected")
        os.makedirs(out_dir, exist_ok=True)
        names = images(out_dir)
        with torch.no_grad():
            ids = tokenizer(TEXTS, padding="max_length", truncation=True,
                            max_length=model.config.text_config.max_position_embeddings, return_tensors="pt")
            mask = ids.get("attention_mask") if scoring == "softmax" else None
            text = model.get_text_features(input_ids=ids["input_ids"], attention_mask=mask)
            pixels = processor([Image.open(os.path.join(out_dir, n)).convert("RGB") for n in names],
                               return_tensors="pt")["pixel_values"]
            image = model.get_image_features(pixel_values=pixels)
            # transformers 5's default backend (torchvision) against the PIL one vit4j reproduces
            default = getattr(transformers, type(processor).__name__.replace("Pil", ""))(**processor.to_dict())
            torchvision = default([Image.open(os.path.join(out_dir, n)).convert("RGB") for n in names],
                                  return_tensors="pt")["pixel_values"]
            print(name, "torchvision vs PIL backend: max |Δpixel| %.4g" % (torchvision - pixels).abs().max())
            text, image = [t.pooler_output if hasattr(t, "pooler_output") else t for t in (text, image)]
            prompts = [t.format(label) for label in LABELS for t in TEMPLATES]
            p_ids = tokenizer(prompts, padding="max_length", truncation=True,
                              max_length=model.config.text_config.max_position_embeddings, return_tensors="pt")
            p_emb = model.get_text_features(input_ids=p_ids["input_ids"],
                                            attention_mask=p_ids.get("attention_mask") if scoring == "softmax" else None)
            p_emb = p_emb.pooler_output if hasattr(p_emb, "pooler_output") else p_emb
            p_emb = torch.nn.functional.normalize(p_emb, dim=-1).reshape(len(LABELS), len(TEMPLATES), -1).mean(dim=1)
            classifier = torch.nn.functional.normalize(p_emb, dim=-1).T
            features = torch.nn.functional.normalize(image, dim=-1)
            logits = model.logit_scale.exp() * features @ classifier
            if scoring == "sigmoid":
                logits = logits + model.logit_bias
                probs = torch.sigmoid(logits)
            else:
                probs = logits.softmax(dim=-1)
        ref = {
            "texts": TEXTS,
            "token_ids": ids["input_ids"].tolist(),
            "text_embeds": text.tolist(),
            "images": names,
            "image_embeds": image.tolist(),
            "pixel_values": pixels.reshape(len(names), -1)[:, :64].tolist(),
            "labels": LABELS,
            "templates": TEMPLATES,
            "scoring": scoring,
            "logit_scale": float(model.logit_scale.detach().exp()),
            "logits": logits.tolist(),
            "probabilities": probs.tolist(),
            "transformers": transformers.__version__,
        }
        with open(os.path.join(out_dir, "expected.json"), "w") as f:
            json.dump(ref, f)
        print("wrote", d, sorted(os.listdir(d)))


if __name__ == "__main__":
    {"small": small, "full": full, "onnx": onnx, "transformers": transformers_dirs, "openai": openai}[sys.argv[1] if len(sys.argv) > 1 else "small"]()
