#!/usr/bin/env python3
"""How far the int8 engine's answers are from float32's, image by image, through the vit4j command line:
top-1 equal, top-5 overlap, largest logit difference, the float32 margin between its first two classes (a
top-1 can only swap where that margin is below int8's error), and the largest difference in the attention maps
`vit4j attention` writes.

    tools/int8_agreement.py -m deit_tiny_patch16_224 -w ../shared/anchors/deit_tiny_patch16_224.safetensors \
        ../shared/fixtures/images/*.png ../shared/fixtures/images/*.jpg

Each image runs alone (a batch of one): dynamic quantization takes its activation ranges from the whole batch.
"""
import argparse
import array
import json
import os
import subprocess
import sys
import tempfile

import safetensors_f32


def attention_maps(path):
    maps = {}
    for name, (_, raw) in safetensors_f32.read(path).items():
        values = array.array("f")
        values.frombytes(raw)
        maps[name] = values
    return maps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-m", "--model", required=True)
    p.add_argument("-w", "--weights")
    p.add_argument("--vit4j", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vit4j"))
    p.add_argument("images", nargs="+")
    a = p.parse_args()
    model = ["-m", a.model] + (["-w", a.weights] if a.weights else [])
    worst_attention = 0.0
    print(f"{'image':<16} {'top-1':>6} {'top-5 overlap':>14} {'max|Δlogit|':>12} {'float32 margin':>15} {'max|Δattention|':>16}")
    with tempfile.TemporaryDirectory() as tmp:
        for image in a.images:
            logits, maps = {}, {}
            for engine in ("onnx", "onnx-int8"):
                out = subprocess.run([a.vit4j, "predict", *model, "--engine", engine, "--json", "-k", "100000", image],
                                     check=True, capture_output=True, text=True).stdout
                logits[engine] = {p["index"]: p["logit"] for p in json.loads(out)["predictions"]}
                d = os.path.join(tmp, engine)
                subprocess.run([a.vit4j, "attention", *model, "--engine", engine, "-o", d, image], check=True,
                               capture_output=True)
                stem = os.path.splitext(os.path.basename(image))[0]
                found = [os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs if f == "attention.safetensors"
                         and stem in r]
                maps[engine] = attention_maps(found[0])
            f, q = logits["onnx"], logits["onnx-int8"]
            rank_f = sorted(f, key=lambda i: -f[i])
            rank_q = sorted(q, key=lambda i: -q[i])
            diff = max(abs(f[i] - q[i]) for i in f)
            att = max(max(abs(x - y) for x, y in zip(maps["onnx"][k], maps["onnx-int8"][k])) for k in maps["onnx"])
            worst_attention = max(worst_attention, att)
            print(f"{os.path.basename(image):<16} {'equal' if rank_f[0] == rank_q[0] else 'DIFF':>6} "
                  f"{len(set(rank_f[:5]) & set(rank_q[:5])):>12}/5 {diff:>12.4f} {f[rank_f[0]] - f[rank_f[1]]:>15.4f} "
                  f"{att:>16.4f}")
    print(f"largest attention difference: {worst_attention:.4f}")


if __name__ == "__main__":
    sys.exit(main())
