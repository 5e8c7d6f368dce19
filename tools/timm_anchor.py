#!/usr/bin/env python3
"""Make a benchmark anchor as ../shared/anchors holds them, for an architecture it lacks (vit_base_patch16_224):
timm 0.9.16 with fixed random weights, saved as timm-layout .safetensors and exported by torch.onnx (opset 14).

    PYTHONPATH=/path/to/timm-0.9.16 /usr/bin/python3 tools/timm_anchor.py vit_base_patch16_224 OUT_DIR [IMG_SIZE]

IMG_SIZE (default 224) is timm's img_size= (DINOv2 is made at 518; its anchor at 224 is vit4j's --img-size 224).

Needs Debian's python3-torch and python3-torchvision; timm's source at tag v0.9.16 on PYTHONPATH.
"""
import json
import os
import struct
import sys

import torch
import timm


def save_safetensors(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    name, out = sys.argv[1], sys.argv[2]
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 224
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = timm.create_model(name, pretrained=False, img_size=size).eval()
    with torch.no_grad():
        for p in model.parameters():  # every parameter random, as the shared anchors are
            p.normal_(0, 0.02 if p.dim() > 1 else 0.1)
    save_safetensors(model.state_dict(), os.path.join(out, name + ".safetensors"))
    x = torch.randn(1, 3, size, size)
    onnx = os.path.join(out, name + ".onnx")
    torch.onnx.export(model, x, onnx + ".tmp", opset_version=14, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
    os.replace(onnx + ".tmp", onnx)
    print(f"{name}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters -> {out}")


if __name__ == "__main__":
    main()
