#!/usr/bin/python3
"""Writes Fashion-MNIST as an image-folder dataset upscaled for ImageNet models (PIL bicubic, RGB PNG).

    tools/fashion_mnist_folder.py OUT [--size 224] [--train-per-class 100] [--val-per-class 50] [--classes 5-9]

OUT/train/CLASS/NNNNN.png and OUT/val/CLASS/NNNNN.png, the first N images of each class of the training and test
files (Debian's dataset-fashion-mnist), for `vit4j train --data folder:OUT/train --val folder:OUT/val`.
"""
import argparse
import gzip
import pathlib
import struct

from PIL import Image

CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
SRC = pathlib.Path("/usr/share/datasets/fashion-mnist")


def read(prefix):
    with gzip.open(SRC / (prefix + "-images-idx3-ubyte.gz")) as f:
        _, n, h, w = struct.unpack(">IIII", f.read(16))
        pixels = f.read(n * h * w)
    with gzip.open(SRC / (prefix + "-labels-idx1-ubyte.gz")) as f:
        f.read(8)
        labels = f.read(n)
    return [(pixels[i * h * w:(i + 1) * h * w], labels[i]) for i in range(n)], (w, h)


def write(out, prefix, per_class, size, classes):
    images, (w, h) = read(prefix)
    counts = [0] * len(CLASSES)
    for i, (px, label) in enumerate(images):
        if label not in classes or counts[label] >= per_class:
            continue
        counts[label] += 1
        d = out / CLASSES[label]
        d.mkdir(parents=True, exist_ok=True)
        img = Image.frombytes("L", (w, h), px).resize((size, size), Image.BICUBIC).convert("RGB")
        img.save(d / ("%05d.png" % i))
    print(out, sum(counts), "images")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--train-per-class", type=int, default=100)
    ap.add_argument("--val-per-class", type=int, default=50)
    ap.add_argument("--classes", default="0-9", help="a range of class indices, e.g. 0-4")
    a = ap.parse_args()
    lo, hi = (int(x) for x in a.classes.split("-"))
    classes = set(range(lo, hi + 1))
    write(a.out / "train", "train", a.train_per_class, a.size, classes)
    write(a.out / "val", "t10k", a.val_per_class, a.size, classes)


if __name__ == "__main__":
    main()
