#!/usr/bin/python3
"""One training epoch of the same CaiT, on the same data, with the same batch size, in plain PyTorch.

The model is timm's CaiT (talking-heads SA blocks, class-attention blocks, LayerScale) written out in
plain torch so that Debian's python3-torch is all it needs; the recipe matches `vit4j train`'s defaults
(AdamW, weight decay 0.05 on matrices only, label smoothing 0.1, gradient clipping 1.0, warm-up then
cosine, stochastic depth). Data: the Fashion-MNIST IDX files, normalized with the training mean/std.

    tools/pytorch_cait_epoch.py configs/cait_fmnist.json [--batch-size 128] [--threads 2]
"""
import argparse, gzip, json, math, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def idx(path):
    with gzip.open(path) as f:
        data = f.read()
    magic = int.from_bytes(data[:4], 'big')
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(magic & 0xff)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


class Mlp(nn.Module):
    def __init__(s, d, h):
        super().__init__(); s.fc1 = nn.Linear(d, h); s.fc2 = nn.Linear(h, d)

    def forward(s, x):
        return s.fc2(F.gelu(s.fc1(x)))


def drop_path(x, p, training):
    if p == 0 or not training:
        return x
    keep = 1 - p
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


class TalkingHeads(nn.Module):
    def __init__(s, d, h):
        super().__init__(); s.h = h; s.scale = (d // h) ** -0.5
        s.qkv = nn.Linear(d, 3 * d); s.proj = nn.Linear(d, d); s.proj_l = nn.Linear(h, h); s.proj_w = nn.Linear(h, h)

    def forward(s, x):
        B, N, C = x.shape
        q, k, v = s.qkv(x).reshape(B, N, 3, s.h, C // s.h).permute(2, 0, 3, 1, 4)
        a = (q * s.scale) @ k.transpose(-2, -1)
        a = s.proj_l(a.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).softmax(-1)
        a = s.proj_w(a.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return s.proj((a @ v).transpose(1, 2).reshape(B, N, C))


class ClassAttn(nn.Module):
    def __init__(s, d, h):
        super().__init__(); s.h = h; s.scale = (d // h) ** -0.5
        s.q = nn.Linear(d, d); s.k = nn.Linear(d, d); s.v = nn.Linear(d, d); s.proj = nn.Linear(d, d)

    def forward(s, x):
        B, N, C = x.shape
        q = s.q(x[:, 0]).reshape(B, 1, s.h, C // s.h).permute(0, 2, 1, 3)
        k = s.k(x).reshape(B, N, s.h, C // s.h).permute(0, 2, 1, 3)
        v = s.v(x).reshape(B, N, s.h, C // s.h).permute(0, 2, 1, 3)
        a = ((q * s.scale) @ k.transpose(-2, -1)).softmax(-1)
        return s.proj((a @ v).transpose(1, 2).reshape(B, 1, C))


class Block(nn.Module):
    def __init__(s, d, h, r, init, dp, attn):
        super().__init__(); s.norm1 = nn.LayerNorm(d, eps=1e-6); s.attn = attn(d, h); s.norm2 = nn.LayerNorm(d, eps=1e-6)
        s.mlp = Mlp(d, int(d * r)); s.gamma_1 = nn.Parameter(init * torch.ones(d)); s.gamma_2 = nn.Parameter(init * torch.ones(d))
        s.dp = dp

    def forward(s, x, cls=None):
        if cls is None:
            x = x + drop_path(s.gamma_1 * s.attn(s.norm1(x)), s.dp, s.training)
            return x + drop_path(s.gamma_2 * s.mlp(s.norm2(x)), s.dp, s.training)
        u = torch.cat([cls, x], 1)
        cls = cls + s.gamma_1 * s.attn(s.norm1(u))
        return cls + s.gamma_2 * s.mlp(s.norm2(cls))


class Cait(nn.Module):
    def __init__(s, c):
        super().__init__()
        d, p = c['embed_dim'], c['patch_size']
        s.patch = nn.Conv2d(c['in_chans'], d, p, p)
        n = (c['img_size'][0] // p) * (c['img_size'][1] // p)
        s.pos_embed = nn.Parameter(torch.randn(1, n, d) * .02); s.cls_token = nn.Parameter(torch.randn(1, 1, d) * .02)
        dpr = c.get('drop_path_rate', 0.0)
        s.blocks = nn.ModuleList([Block(d, c['num_heads'], c['mlp_ratio'], c['init_values'], dpr, TalkingHeads)
                                  for _ in range(c['depth'])])
        s.blocks_token_only = nn.ModuleList([Block(d, c['num_heads'], c['mlp_ratio_token_only'], c['init_values'], 0.0,
                                                   ClassAttn) for _ in range(c['depth_token_only'])])
        s.norm = nn.LayerNorm(d, eps=1e-6); s.head = nn.Linear(d, c['num_classes'])

    def forward(s, x):
        x = s.patch(x).flatten(2).transpose(1, 2) + s.pos_embed
        for b in s.blocks:
            x = b(x)
        cls = s.cls_token.expand(x.shape[0], -1, -1)
        for b in s.blocks_token_only:
            cls = b(x, cls)
        return s.head(s.norm(torch.cat([cls, x], 1))[:, 0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('config'); ap.add_argument('--batch-size', type=int, default=128)
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--lr', type=float, default=1e-3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(42)
    c = json.load(open(a.config))
    x = idx(os.path.join(a.data, 'train-images-idx3-ubyte.gz')).astype(np.float32) / 255
    y = idx(os.path.join(a.data, 'train-labels-idx1-ubyte.gz')).astype(np.int64)
    mean, std = x.mean(), x.std()
    x = torch.from_numpy((x - mean) / std).unsqueeze(1); y = torch.from_numpy(y)
    model = Cait(c)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and n not in ('pos_embed', 'cls_token')]
    rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and n not in ('pos_embed', 'cls_token'))]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': rest, 'weight_decay': 0.0}], lr=a.lr)
    steps = math.ceil(len(x) / a.batch_size)
    model.train()
    t0 = time.time()
    perm = torch.randperm(len(x))
    correct = 0
    for i in range(steps):
        lr = 1e-5 + (a.lr - 1e-5) * (i + 1) / steps  # one warm-up epoch, as vit4j's default
        for g in opt.param_groups:
            g['lr'] = lr
        idxs = perm[i * a.batch_size:(i + 1) * a.batch_size]
        out = model(x[idxs])
        loss = F.cross_entropy(out, y[idxs], label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        correct += (out.argmax(1) == y[idxs]).sum().item()
    sec = time.time() - t0
    print(json.dumps({'framework': 'pytorch ' + torch.__version__, 'epoch_seconds': round(sec, 2),
                      'images_per_second': round(len(x) / sec, 1), 'train_top1': round(correct / len(x), 4),
                      'threads': a.threads, 'batch_size': a.batch_size}))


if __name__ == '__main__':
    main()
