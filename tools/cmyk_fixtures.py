#!/usr/bin/python3
"""Four-channel JPEGs and what Pillow makes of them, for ImageDecoder's CMYK test (vit4j-core test resources, cmyk/).

Debian's python3-pil (Pillow 9.4) writes CMYK JPEGs the Adobe way (inverted, transform 0); the same file without its
APP14 segment is a plain CMYK JPEG (Pillow still assumes the inversion); ImageMagick's convert writes YCCK (transform
2). Each expectation is Pillow's Image.open(f).convert("RGB"), saved as PNG.

    /usr/bin/python3 tools/cmyk_fixtures.py vit4j-core/src/test/resources/cmyk
"""
import pathlib
import subprocess
import sys

import numpy as np
from PIL import Image

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
here = pathlib.Path(__file__).resolve().parent.parent
photo = Image.open(here / "vit4j-core/src/test/resources/fixtures/images/landscape.png").convert("RGB")
photo = photo.resize((97, 61), Image.BICUBIC)
cmyk = np.array(photo.convert("CMYK")).astype(int)
h, w = cmyk.shape[:2]
y, x = np.mgrid[0:h, 0:w]
cmyk[..., 3] = (x * 3 + y * 2) % 180  # some black, so that K matters
cmyk = Image.fromarray(cmyk.astype(np.uint8), "CMYK")

cmyk.save(out / "adobe_cmyk.jpg", quality=90)
data = (out / "adobe_cmyk.jpg").read_bytes()
at = data.find(b"\xff\xee")
assert data[at + 4:at + 9] == b"Adobe"
(out / "plain_cmyk.jpg").write_bytes(data[:at] + data[at + 2 + int.from_bytes(data[at + 2:at + 4], "big"):])
subprocess.run(["convert", str(out / "adobe_cmyk.jpg"), "-sampling-factor", "2x2", "-quality", "90",
                str(out / "ycck.jpg")], check=True)

for name in ["adobe_cmyk.jpg", "plain_cmyk.jpg", "ycck.jpg"]:
    im = Image.open(out / name)
    print(name, im.mode, "adobe" in im.info, im.info.get("adobe_transform"))
    im.convert("RGB").save(out / (name + ".pil.png"))
