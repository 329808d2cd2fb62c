#!/usr/bin/env python3
"""Writes image_to_tensor.txt, torchvision's values for ImageToTensorTest.

Rerun (from this folder; needs Pillow, torch 1.13 and torchvision 0.14 for Debian's python, e.g.
the python3-pil, python3-torch and python3-torchvision packages; not pyenv's python):

    /usr/bin/python3 make_image_golden.py

The images are defined by formulas that ImageToTensorTest repeats in Java (it writes them as PNG
files and reads them back with Spark's image data source); pixel (row i, column j):

    rgb   7x9:  R = (40 i + 17 j) % 256, G = (13 i + 29 j + 50) % 256, B = (7 i^2 + 3 j + 100) % 256
    rgba  5x6:  R = (23 i + 61 j + 5) % 256, G = (101 i + 7 j) % 256, B = (3 i j + 200) % 256,
                A = 128 + (7 i + 11 j) % 128
    gray  6x7:  L = (31 i + 7 j) % 256

Each case is torchvision's tensor pipeline on the PIL image:
normalize(resize(to_tensor(img.convert(mode)), size, BILINEAR, antialias=False), mean, std),
with the steps a case leaves out skipped. Format, one item per line:

    case NAME
    shape C H W
    values V...        float32 values, shortest decimal that reads back exactly
    end
"""

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as F
from PIL import Image
from torchvision.transforms import InterpolationMode

assert torch.__version__.startswith("1.13"), "reference of torch 1.13, got " + torch.__version__
assert torchvision.__version__.startswith("0.14"), \
    "reference of torchvision 0.14, got " + torchvision.__version__


def image(h, w, channels, mode):
    a = np.zeros((h, w, len(channels)), dtype=np.uint8)
    for i in range(h):
        for j in range(w):
            a[i, j] = [f(i, j) for f in channels]
    return Image.fromarray(a[:, :, 0] if mode == "L" else a, mode)


RGB = image(7, 9, [lambda i, j: (40 * i + 17 * j) % 256,
                   lambda i, j: (13 * i + 29 * j + 50) % 256,
                   lambda i, j: (7 * i * i + 3 * j + 100) % 256], "RGB")
RGBA = image(5, 6, [lambda i, j: (23 * i + 61 * j + 5) % 256,
                    lambda i, j: (101 * i + 7 * j) % 256,
                    lambda i, j: (3 * i * j + 200) % 256,
                    lambda i, j: 128 + (7 * i + 11 * j) % 128], "RGBA")
GRAY = image(6, 7, [lambda i, j: (31 * i + 7 * j) % 256], "L")

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def pipeline(img, mode=None, size=None, mean=None, std=None):
    if mode is not None:
        img = img.convert(mode)
    t = F.to_tensor(img)
    if size is not None:
        t = F.resize(t, size, InterpolationMode.BILINEAR, antialias=False)
    if mean is not None:
        t = F.normalize(t, mean, std)
    return t


CASES = [
    ("rgb", pipeline(RGB)),
    ("rgb_resize_4x5", pipeline(RGB, size=[4, 5])),
    ("rgb_resize_12x14_imagenet",
     pipeline(RGB, size=[12, 14], mean=IMAGENET_MEAN, std=IMAGENET_STD)),
    ("rgb_gray", pipeline(RGB, mode="L")),
    ("rgb_gray_resize_4x5_norm", pipeline(RGB, mode="L", size=[4, 5], mean=[0.5], std=[0.25])),
    ("rgba", pipeline(RGBA)),
    ("rgba_rgb", pipeline(RGBA, mode="RGB")),
    ("rgba_gray", pipeline(RGBA, mode="L")),
    ("gray_rgb", pipeline(GRAY, mode="RGB")),
]

lines = ["# torchvision %s, torch %s, Pillow %s; made by make_image_golden.py"
         % (torchvision.__version__, torch.__version__, Image.__version__)]
for name, t in CASES:
    assert t.dtype == torch.float32
    lines.append("case " + name)
    lines.append("shape " + " ".join(str(s) for s in t.shape))
    lines.append("values " + " ".join(str(np.float32(v)) for v in t.flatten().tolist()))
    lines.append("end")
with open("image_to_tensor.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
