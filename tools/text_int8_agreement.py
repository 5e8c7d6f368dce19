"""How far int8 text embeddings are from float32 ones: cosine of each pair and how often the nearest other text is the
same, for two `vit4j embed --texts` outputs of the same texts (--engine onnx and --engine onnx-int8):

    ./vit4j embed -w MODEL_DIR --texts TEXTS --engine onnx -o f32.npy
    ./vit4j embed -w MODEL_DIR --texts TEXTS --engine onnx-int8 -o int8.npy
    python3 tools/text_int8_agreement.py f32.npy int8.npy
"""

import sys

import numpy as np


def main():
    a, b = (np.load(p) for p in sys.argv[1:3])
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    cos = (a * b).sum(1)
    sa, sb = a @ a.T, b @ b.T
    np.fill_diagonal(sa, -9)
    np.fill_diagonal(sb, -9)
    print("%d texts: cosine float32/int8 min %.5f median %.5f; nearest other text the same for %.1f %%"
          % (len(a), cos.min(), np.median(cos), 100 * (sa.argmax(1) == sb.argmax(1)).mean()))


if __name__ == "__main__":
    main()
