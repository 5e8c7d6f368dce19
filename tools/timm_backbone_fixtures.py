#!/usr/bin/env python3
"""Parity fixtures for the ViT switches of DINOv2, CLIP, SigLIP and distilled DeiT, made with timm 0.9.16 itself.

    PYTHONPATH=/path/to/timm-0.9.16 /usr/bin/python3 tools/timm_backbone_fixtures.py OUT_DIR

Each fixture is a small model of timm's own classes with the switches of one family (register tokens with LayerScale
and no_embed_class; pre-norm with QuickGELU and torch's LayerNorm eps; no class token with attention pooling; the
distillation token and head), every parameter drawn at random (LayerScale gammas, register tokens and the pooling
latent included: timm starts some at constants that would hide a mistake), written as vit4j's fixtures are:
config.json (timm's argument names, the family's data config), model.safetensors (timm's names), input.safetensors
(x: 2 images) and expected.safetensors (logits, pre_logits, and each block's attention probabilities), and
images.safetensors: logits and pre_logits of two fixture image files (PNG, JPEG) through timm's eval transform. dinov2_micro_resampled holds the
weights of dinov2_micro made for a larger grid, and timm's output after its checkpoint filter resampled them.
Needs Debian's python3-torch; timm's source at tag v0.9.16 on PYTHONPATH.
"""
import json
import os
import sys

import torch
from PIL import Image

from timm.data import create_transform
from timm.layers import AttentionPoolLatent
from timm.models.deit import VisionTransformerDistilled
from timm.models.vision_transformer import Attention, VisionTransformer, checkpoint_filter_fn
from timm_anchor import save_safetensors  # tools/ is the script's folder, first on sys.path


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale = 0.2 if p.dim() > 1 else 0.1
            p.copy_(p + torch.randn(p.shape, generator=g) * scale)


def record_attention(model):
    """Every attention's probabilities, keyed as vit4j records them (attention.blocks.i, attention.attn_pool)."""
    recorded = {}
    for name, module in model.named_modules():
        if isinstance(module, Attention):
            module.fused_attn = False
            module.attn_drop.register_forward_hook(
                lambda m, inputs, out, key="attention." + name.replace(".attn", ""): recorded.__setitem__(
                    key, inputs[0].detach().clone()))
        elif isinstance(module, AttentionPoolLatent):
            def pool_hook(m, inputs, out, key="attention." + name):
                x = inputs[0]
                b, n, c = x.shape
                q = m.q(m.latent.expand(b, -1, -1)).reshape(b, m.latent_len, m.num_heads, m.head_dim).transpose(1, 2)
                kv = m.kv(x).reshape(b, n, 2, m.num_heads, m.head_dim).permute(2, 0, 3, 1, 4)
                recorded[key] = ((q * m.scale) @ kv[0].transpose(-2, -1)).softmax(dim=-1).detach().clone()
            module.register_forward_hook(pool_hook)
    return recorded


def openai_clip_layout(state):
    """A timm CLIP tower's state dict in OpenAI's / open_clip's layout (visual.*, the inverse of timm's
    _convert_openai_clip), with a text tower's worth of other keys beside it."""
    swaps = [("patch_embed.proj", "conv1"), ("norm_pre", "ln_pre"), ("blocks.", "transformer.resblocks."),
             (".norm1", ".ln_1"), (".norm2", ".ln_2"), ("qkv.", "in_proj_"), ("attn.proj", "attn.out_proj"),
             ("mlp.fc1", "mlp.c_fc"), ("mlp.fc2", "mlp.c_proj")]
    out = {}
    for k, v in state.items():
        if k == "head.weight":
            out["visual.proj"] = v.t().contiguous()
            continue
        if k == "head.bias":
            continue  # OpenAI's projection has none; timm's conversion adds zeros (this fixture's bias is zeroed)
        if k == "cls_token":
            out["visual.class_embedding"] = v.reshape(-1)
            continue
        if k == "pos_embed":
            out["visual.positional_embedding"] = v[0]
            continue
        if k.startswith("norm."):
            k = k.replace("norm.", "ln_post.")
        for a, b in swaps:
            k = k.replace(a, b)
        out["visual." + k] = v
    out["transformer.resblocks.0.attn.in_proj_weight"] = torch.zeros(12, 4)  # the text tower: not ours
    out["logit_scale"] = torch.ones(())
    return out


IMAGES = ["landscape.png", "odd.jpg"]
DATA = {  # each family's own preprocessing, as its timm default tag resolves it (at the fixtures' 28 px)
    "dinov2": dict(crop_pct=1.0, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    "clip": dict(crop_pct=0.9, mean=(0.48145466, 0.4578275, 0.40821073), std=(0.26862954, 0.26130258, 0.27577711)),
    "siglip": dict(crop_pct=0.9, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    "deit": dict(crop_pct=0.9, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
}


def write(out, name, model, config, x):
    data = DATA[name.split("_")[0]]
    config = dict(config, data_config=dict(input_size=[3, 28, 28], interpolation="bicubic", crop_pct=data["crop_pct"],
                                           crop_mode="center", mean=list(data["mean"]), std=list(data["std"])))
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    recorded = record_attention(model)
    with torch.no_grad():
        features = model.forward_features(x)
        pre_logits = model.forward_head(features, pre_logits=True)
        logits = model.forward_head(features)
    expected = {"logits": logits, "pre_logits": pre_logits}
    expected.update(sorted(recorded.items()))
    # the same model on image files through timm's own eval transform (PIL decoding, resize, crop, normalise)
    transform = create_transform(input_size=(3, 28, 28), interpolation="bicubic", crop_pct=data["crop_pct"],
                                 crop_mode="center", mean=data["mean"], std=data["std"])
    batch = torch.stack([transform(Image.open(os.path.join(IMAGE_DIR, n)).convert("RGB")) for n in IMAGES])
    with torch.no_grad():
        f = model.forward_features(batch)
        save_safetensors({"pre_logits": model.forward_head(f, pre_logits=True), "logits": model.forward_head(f)},
                         os.path.join(d, "images.safetensors"))
    save_safetensors(model.state_dict(), os.path.join(d, "model.safetensors"))
    save_safetensors({"x": x}, os.path.join(d, "input.safetensors"))
    save_safetensors(expected, os.path.join(d, "expected.safetensors"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print(name, {k: list(v.shape) for k, v in expected.items()})


IMAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vit4j-core/src/test/resources/fixtures/images")


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    x = torch.randn(2, 3, 28, 28, generator=torch.Generator().manual_seed(1))
    common = dict(img_size=28, patch_size=7, embed_dim=48, depth=2, num_heads=3)

    # DINOv2 with registers: LayerScale, 4 register tokens, positions for the patches only, no classifier
    dinov2 = dict(common, num_classes=0, init_values=1e-5, reg_tokens=4, no_embed_class=True)
    model = VisionTransformer(**dinov2).eval()
    perturb(model, 2)
    write(out, "dinov2_micro", model, dict(arch="vit", name="dinov2_micro", **dinov2, layer_norm_eps=1e-6), x)

    # the same weights made for a 6x6 grid (42 px), loaded at 28 px through timm's checkpoint filter
    big = VisionTransformer(**dict(dinov2, img_size=42)).eval()
    perturb(big, 3)
    small = VisionTransformer(**dinov2).eval()
    small.load_state_dict(checkpoint_filter_fn(big.state_dict(), small))
    d = os.path.join(out, "dinov2_micro_resampled")
    write(out, "dinov2_micro_resampled", small, dict(arch="vit", name="dinov2_micro_resampled", **dinov2,
                                                     layer_norm_eps=1e-6), x)
    save_safetensors(big.state_dict(), os.path.join(d, "model.safetensors"))  # the file at its own grid

    # CLIP image tower: pre-norm (no patch-embedding bias), QuickGELU, torch's LayerNorm eps, a projection head
    clip = dict(common, num_classes=8, pre_norm=True, act_layer="quick_gelu")
    model = VisionTransformer(**dict(clip, norm_layer=torch.nn.LayerNorm)).eval()
    perturb(model, 4)
    with torch.no_grad():
        model.head.bias.zero_()  # OpenAI's projection has no bias
    write(out, "clip_micro", model, dict(arch="vit", name="clip_micro", **clip, layer_norm_eps=1e-5), x)
    # the same weights as OpenAI's / open_clip's checkpoint; timm's own filter must give them back
    openai = openai_clip_layout(model.state_dict())
    back = checkpoint_filter_fn(openai, model)
    assert set(back) == set(model.state_dict()), set(back) ^ set(model.state_dict())
    assert all(torch.equal(back[k], v) for k, v in model.state_dict().items())
    torch.save(openai, os.path.join(out, "clip_micro", "open_clip_pytorch_model.bin"))

    # SigLIP image tower: no class token, attention pooling with a latent query (MAP)
    siglip = dict(common, num_classes=6, class_token=False, global_pool="map")
    model = VisionTransformer(**siglip).eval()
    perturb(model, 5)
    write(out, "siglip_micro", model, dict(arch="vit", name="siglip_micro", **siglip, layer_norm_eps=1e-6), x)
    # as open_clip stores a tower that is a timm model: visual.trunk.*, beside its text tower
    trunk = {"visual.trunk." + k: v for k, v in model.state_dict().items()}
    trunk["text.positional_embedding"] = torch.zeros(4, 6)
    assert all(torch.equal(checkpoint_filter_fn(trunk, model)[k], v) for k, v in model.state_dict().items())
    torch.save(trunk, os.path.join(out, "siglip_micro", "open_clip_pytorch_model.bin"))

    # distilled DeiT: class and distillation tokens, two heads averaged in eval
    deit = dict(common, num_classes=5)
    model = VisionTransformerDistilled(**deit).eval()
    perturb(model, 6)
    write(out, "deit_distilled_micro", model,
          dict(arch="vit", name="deit_distilled_micro", **deit, distilled=True, layer_norm_eps=1e-6), x)


if __name__ == "__main__":
    main()
