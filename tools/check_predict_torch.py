#!/usr/bin/python3
"""Hand check of `vit4j predict` against PyTorch (Debian's python3-torch, no timm needed).

Re-implements timm's eval transform with PIL and timm's ViT/DeiT forward in plain torch, loads the same
timm-layout safetensors, and prints the logits of the top classes next to vit4j's --json output.

    ./vit4j predict -m deit_tiny_patch16_224 -w W.safetensors --json -k 5 IMG > vit4j.jsonl
    tools/check_predict_torch.py W.safetensors IMG vit4j.jsonl
"""
import json, math, sys
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

import safetensors_f32


def load_safetensors(path):
    return {name: torch.from_numpy(np.frombuffer(raw, dtype='<f4').copy()).reshape(shape)
            for name, (shape, raw) in safetensors_f32.read(path).items()}


def eval_transform(path, size=224, crop_pct=0.9, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
    img = Image.open(path).convert('RGB')
    scale = math.floor(size / crop_pct)
    w, h = img.size
    if w <= h:
        nw, nh = scale, int(scale * h / w)
    else:
        nw, nh = int(scale * w / h), scale
    img = img.resize((nw, nh), Image.BICUBIC)
    left, top = int(round((nw - size) / 2.0)), int(round((nh - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    x = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).float().div(255)
    x = (x - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    return x.unsqueeze(0)


def vit_forward(sd, x, heads, eps=1e-6):
    x = F.conv2d(x, sd['patch_embed.proj.weight'], sd['patch_embed.proj.bias'], stride=16)
    x = x.flatten(2).transpose(1, 2)
    x = torch.cat([sd['cls_token'].expand(x.shape[0], -1, -1), x], 1) + sd['pos_embed']
    d = x.shape[-1]
    i = 0
    while f'blocks.{i}.norm1.weight' in sd:
        p = f'blocks.{i}.'
        h = F.layer_norm(x, (d,), sd[p + 'norm1.weight'], sd[p + 'norm1.bias'], eps)
        B, N, C = h.shape
        qkv = F.linear(h, sd[p + 'attn.qkv.weight'], sd[p + 'attn.qkv.bias'])
        q, k, v = qkv.reshape(B, N, 3, heads, C // heads).permute(2, 0, 3, 1, 4)
        a = ((q * (C // heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        h = (a @ v).transpose(1, 2).reshape(B, N, C)
        x = x + F.linear(h, sd[p + 'attn.proj.weight'], sd[p + 'attn.proj.bias'])
        h = F.layer_norm(x, (d,), sd[p + 'norm2.weight'], sd[p + 'norm2.bias'], eps)
        h = F.linear(F.gelu(F.linear(h, sd[p + 'mlp.fc1.weight'], sd[p + 'mlp.fc1.bias'])),
                     sd[p + 'mlp.fc2.weight'], sd[p + 'mlp.fc2.bias'])
        x = x + h
        i += 1
    x = F.layer_norm(x, (d,), sd['norm.weight'], sd['norm.bias'], eps)
    return F.linear(x[:, 0], sd['head.weight'], sd['head.bias'])


if __name__ == '__main__':
    weights, image, vit4j_json = sys.argv[1:4]
    sd = load_safetensors(weights)
    heads = sd['blocks.0.attn.qkv.weight'].shape[1] // 64
    with torch.no_grad():
        logits = vit_forward(sd, eval_transform(image), heads)[0]
    ours = json.loads(open(vit4j_json).readline())
    worst = 0.0
    for p in ours['predictions']:
        t = float(logits[p['index']])
        worst = max(worst, abs(t - p['logit']))
        print(f"{p['index']:4d} {p['label'][:30]:30s} vit4j {p['logit']:+.6f} torch {t:+.6f}")
    top = torch.topk(logits, len(ours['predictions'])).indices.tolist()
    print('same top-k order:', top == [p['index'] for p in ours['predictions']], ' max |diff|:', f'{worst:.2e}')
