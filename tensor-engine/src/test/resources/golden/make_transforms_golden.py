#!/usr/bin/env python3
"""Writes transforms.txt, torchvision's reference values for dev.ember.data.transforms.Functional.

Rerun (from this folder; needs torch 1.13 and torchvision 0.14 for Debian's python, e.g. the
python3-torch and python3-torchvision packages; not pyenv's python):

    /usr/bin/python3 make_transforms_golden.py

Each case applies one deterministic torchvision.transforms.functional operation (tensor path) to
an input made from one seeded torch.Generator, rounded to three decimals. The random transforms
draw their parameters from Ember's generator, not torch's, so only these deterministic operations
(and the geometry they implement) are compared; FunctionalGoldenTest reads the file.

Format, one item per line:
    case NAME
    op OPNAME              rotate | resize | resized_crop | pad | crop | normalize | to_tensor_hwc
    arg KEY VALUE...       operation arguments ("none" for None)
    input SHAPE... : VALUES...
    output SHAPE... : VALUES...
    end
Shapes and values are space separated; floats are the shortest decimal that reads back to the
exact float32 value.
"""

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

assert torch.__version__.startswith("1.13"), "reference of torch 1.13, got " + torch.__version__
assert torchvision.__version__.startswith("0.14"), "reference of torchvision 0.14, got " + torchvision.__version__

GEN = torch.Generator().manual_seed(20240611)
MODES = {"nearest": InterpolationMode.NEAREST, "bilinear": InterpolationMode.BILINEAR}
OUT = []


def image(*shape):
    x = torch.rand(shape, generator=GEN, dtype=torch.float64)
    return (torch.round(x * 1000) / 1000).to(torch.float32)


def fmt(t):
    t = t.contiguous()
    if t.dtype == torch.float32:
        vals = " ".join(str(np.float32(v)) for v in t.flatten().tolist())
    else:
        vals = " ".join(str(int(v)) for v in t.flatten().tolist())
    return " ".join(str(s) for s in t.shape) + " : " + vals


def case(name, op, args, inp, out):
    OUT.append("case " + name)
    OUT.append("op " + op)
    for k, v in args.items():
        if v is None:
            v = "none"
        elif isinstance(v, (list, tuple)):
            v = " ".join(str(float(x)) if isinstance(x, float) else str(x) for x in v)
        OUT.append("arg %s %s" % (k, v))
    OUT.append("input " + fmt(inp))
    OUT.append("output " + fmt(out))
    OUT.append("end")


# rotate: angles (counter-clockwise, degrees), both interpolations, fill none / scalar list,
# custom centers, expand.
rot_cases = [
    ("r90_square", (1, 4, 4), 90.0, "nearest", False, None, None),
    ("r90_rect", (2, 3, 5), 90.0, "nearest", False, None, [0.0, 0.0]),
    ("r180", (1, 5, 6), 180.0, "nearest", False, None, None),
    ("r30_nearest", (3, 7, 7), 30.0, "nearest", False, None, [0.0, 0.0, 0.0]),
    ("r30_bilinear", (3, 7, 7), 30.0, "bilinear", False, None, None),
    ("r30_bilinear_fill", (3, 7, 7), 30.0, "bilinear", False, None, [0.25, 0.5, 1.0]),
    ("rm45_nearest_fill", (2, 6, 8), -45.0, "nearest", False, None, [0.75, -1.0]),
    ("r137_bilinear", (1, 9, 6), 137.5, "bilinear", False, None, [0.0]),
    ("r12_center", (1, 8, 8), 12.3, "bilinear", False, [1.0, 2.0], [0.0]),
    ("r60_center_nearest", (1, 8, 10), 60.0, "nearest", False, [7.25, 3.5], None),
    ("r30_expand", (1, 5, 7), 30.0, "bilinear", True, None, [0.0]),
    ("r90_expand", (1, 3, 5), 90.0, "nearest", True, None, None),
    ("rm20_expand_batch", (2, 3, 6, 4), -20.0, "nearest", True, None, [0.5, 0.5, 0.5]),
]
for name, shape, angle, mode, expand, center, fill in rot_cases:
    x = image(*shape)
    y = F.rotate(x, angle, interpolation=MODES[mode], expand=expand, center=center, fill=fill)
    case(name, "rotate", {"angle": angle, "interpolation": mode, "expand": int(expand),
                          "center": center, "fill": fill}, x, y)

# resize / resized_crop (interpolate, align_corners=False, no antialias in 0.14's tensor path)
resize_cases = [
    ("up_bilinear", (1, 4, 5), (7, 9), "bilinear"),
    ("down_bilinear", (2, 9, 8), (4, 3), "bilinear"),
    ("mixed_bilinear", (3, 5, 12), (10, 5), "bilinear"),
    ("up_nearest", (1, 4, 5), (7, 10), "nearest"),
    ("down_nearest", (2, 9, 8), (4, 3), "nearest"),
]
for name, shape, size, mode in resize_cases:
    x = image(*shape)
    y = F.resize(x, list(size), interpolation=MODES[mode])
    case("resize_" + name, "resize", {"size": list(size), "interpolation": mode}, x, y)

x = image(3, 10, 12)
for name, (top, left, h, w), size, mode in [
    ("rc1", (2, 3, 5, 7), (8, 8), "bilinear"),
    ("rc2", (0, 0, 10, 12), (4, 6), "bilinear"),
    ("rc3", (4, 1, 6, 4), (5, 9), "nearest"),
]:
    y = F.resized_crop(x, top, left, h, w, list(size), interpolation=MODES[mode])
    case("resized_crop_" + name, "resized_crop",
         {"box": [top, left, h, w], "size": list(size), "interpolation": mode}, x, y)

# pad: (left, top, right, bottom) in every mode
x = image(2, 3, 4)
for mode, pad in [("constant", [1, 2, 2, 1]), ("edge", [1, 2, 2, 1]),
                  ("reflect", [1, 2, 3, 1]), ("symmetric", [1, 3, 4, 2])]:
    y = F.pad(x, pad, fill=0.25 if mode == "constant" else 0, padding_mode=mode)
    case("pad_" + mode, "pad", {"padding": pad, "mode": mode,
                                "fill": 0.25 if mode == "constant" else 0.0}, x, y)

# crop inside and sticking out (zero padded)
x = image(1, 4, 5)
for name, box in [("inside", [1, 2, 2, 3]), ("outside", [-1, 3, 4, 4])]:
    y = F.crop(x, *box)
    case("crop_" + name, "crop", {"box": box}, x, y)

# normalize
x = image(3, 2, 3)
y = F.normalize(x, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
case("normalize_imagenet", "normalize", {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}, x, y)

# ToTensor of an HWC uint8 array (values as int64 in the file)
arr = torch.randint(0, 256, (3, 4, 2), generator=GEN, dtype=torch.int64)
y = torchvision.transforms.ToTensor()(arr.numpy().astype(np.uint8))
case("to_tensor_hwc", "to_tensor_hwc", {}, arr, y)

header = "# torchvision %s, torch %s; made by make_transforms_golden.py\n" % (
    torchvision.__version__, torch.__version__)
with open("transforms.txt", "w") as f:
    f.write(header + "\n".join(OUT) + "\n")
print("wrote", sum(1 for l in OUT if l.startswith("case ")), "cases")
