#!/usr/bin/env python3
"""Every registered architecture's state-dict names and shapes as timm 0.9.16 builds it (default tag's head), for
vit4j's registry test: the names a timm checkpoint holds are the names vit4j's model asks for.

    PYTHONPATH=/path/to/timm-0.9.16 /usr/bin/python3 tools/timm_state_dict_shapes.py OUT.json ARCH...
"""
import json
import sys

import torch
import timm


def main():
    out, archs = sys.argv[1], sys.argv[2:]
    shapes = {}
    with torch.device("meta") if hasattr(torch, "device") and hasattr(torch.device, "__enter__") else _nothing():
        for arch in archs:
            model = timm.create_model(arch, pretrained=False)
            shapes[arch] = {k: list(v.shape) for k, v in model.state_dict().items()}
            print(arch, len(shapes[arch]), "tensors", file=sys.stderr)
            del model
    with open(out, "w") as f:
        json.dump(shapes, f, indent=1, sort_keys=True)
        f.write("\n")


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


if __name__ == "__main__":
    main()
