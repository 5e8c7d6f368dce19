#!/usr/bin/env python3
"""timm 0.9.16's resolved data config, default tag and parameter count per architecture, in the format of
../shared/fixtures/timm_data_configs.json (which covers the seed-era names), for the registry test.

    PYTHONPATH=/path/to/timm-0.9.16 /usr/bin/python3 tools/timm_data_configs.py OUT.json ARCH...
"""
import json
import sys

import timm
from timm.data import resolve_data_config


def main():
    out, archs = sys.argv[1], sys.argv[2:]
    doc = {"_source": "timm 0.9.16: resolve_data_config({}, model=timm.create_model(name)) with the default "
                      "pretrained tag; num_params counts every parameter (tools/timm_data_configs.py)"}
    for arch in archs:
        model = timm.create_model(arch, pretrained=False)
        c = resolve_data_config({}, model=model)
        doc[arch] = {"pretrained_tag": model.pretrained_cfg["tag"], "input_size": list(c["input_size"]),
                     "interpolation": c["interpolation"], "crop_pct": c["crop_pct"], "crop_mode": c["crop_mode"],
                     "mean": list(c["mean"]), "std": list(c["std"]),
                     "num_params": sum(p.numel() for p in model.parameters())}
        del model
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
