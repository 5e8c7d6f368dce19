"""The float32 tensors of a .safetensors file as {name: (shape, little-endian bytes)}: the few lines the
tools here need, so they run on Debian's packages without the safetensors wheel."""
import json
import struct


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name != "__metadata__" and info["dtype"] == "F32":
            start, end = info["data_offsets"]
            out[name] = (info["shape"], data[start:end])
    return out
