#!/usr/bin/env python3
"""The peer a Python user would pick for int8 CPU inference: PyTorch's dynamic quantization
(torch.ao.quantization.quantize_dynamic: every nn.Linear on int8 weights, activations quantized at run time)
on timm's model, against the same model in float32, rounds interleaved, medians.

    PYTHONPATH=/path/to/timm-0.9.16 /usr/bin/python3 tools/pytorch_int8_bench.py deit_tiny_patch16_224 \
        ../shared/anchors/deit_tiny_patch16_224.safetensors --batch 1,8 --threads 2 [--only int8]

Debian's python3-torch 1.13 has no fbgemm; its x86 quantized engine is oneDNN ('onednn'), used here.
With --only, one variant runs alone so the reported peak resident memory is that variant's. With --images,
also how far int8's logits are from float32's on those images (timm's eval transform, one image per batch),
in the columns tools/int8_agreement.py prints for vit4j.
"""
import argparse
import resource
import statistics
import time

import torch
import timm

import safetensors_f32


def load_safetensors(path):
    return {name: torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(shape)
            for name, (shape, raw) in safetensors_f32.read(path).items()}


def agreement(model, quantized, images):
    from PIL import Image
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, model=model))
    print(f"{'image':<16} {'top-1':>6} {'top-5 overlap':>14} {'max|Δlogit|':>12} {'float32 margin':>15}")
    with torch.inference_mode():
        for path in images:
            x = transform(Image.open(path).convert("RGB")).unsqueeze(0)
            f, q = model(x)[0], quantized(x)[0]
            top_f, top_q = f.topk(5).indices.tolist(), q.topk(5).indices.tolist()
            two = f.topk(2).values
            print(f"{path.rsplit('/', 1)[-1]:<16} {'equal' if top_f[0] == top_q[0] else 'DIFF':>6} "
                  f"{len(set(top_f) & set(top_q)):>12}/5 {(f - q).abs().max().item():>12.4f} {(two[0] - two[1]).item():>15.4f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("weights")
    p.add_argument("--batch", default="1,8")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--only", choices=["float32", "int8"])
    p.add_argument("--images", nargs="*", default=[])
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.backends.quantized.engine = "onednn" if "onednn" in torch.backends.quantized.supported_engines else "fbgemm"
    model = timm.create_model(a.model, pretrained=False).eval()
    model.load_state_dict(load_safetensors(a.weights))
    variants = {}
    if a.only != "int8":
        variants["torch-float32"] = model
    if a.only != "float32":
        variants["torch-int8-dynamic"] = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    print(f"{a.model}, torch {torch.__version__}, quantized engine {torch.backends.quantized.engine}, "
          f"{a.threads} threads, {a.runs} rounds (medians)")
    print(f"{'batch':<6} {'engine':<20} {'images/s':>10} {'p50 ms':>9} {'speed vs float32':>17}")
    torch.manual_seed(1)
    with torch.inference_mode():
        for b in [int(x) for x in a.batch.split(",")]:
            x = torch.randn(b, 3, 224, 224)
            times = {k: [] for k in variants}
            for m in variants.values():
                for _ in range(a.warmup):
                    m(x)
            names = list(variants)
            for r in range(a.runs):
                for k in range(len(names)):
                    name = names[(k + r) % len(names)]
                    t0 = time.perf_counter()
                    variants[name](x)
                    times[name].append(time.perf_counter() - t0)
            base = times.get("torch-float32")
            for name in names:
                p50 = statistics.median(times[name]) * 1e3
                ratio = statistics.median([f / t for f, t in zip(base, times[name])]) if base else float("nan")
                shown = f"{ratio:.2f}x" if base else "-"
                print(f"{b:<6} {name:<20} {b / p50 * 1e3:>10.1f} {p50:>9.2f} {shown:>17}")
    if a.images:
        agreement(model, variants["torch-int8-dynamic"], a.images)
    print(f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
