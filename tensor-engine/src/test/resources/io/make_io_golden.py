#!/usr/bin/env python3
"""Writes the NumPy and safetensors files behind Ember's dev.ember.io tests.

Rerun (from this folder; needs NumPy 1.24, installed for Debian's python, not pyenv's):

    /usr/bin/python3 make_io_golden.py

The committed files were produced by numpy 1.24.2 (asserted below: the .npy header padding that
NpyTest compares byte for byte is numpy's of that era). Every file is reproducible bit for bit
(numpy dates .npz entries 1980-01-01).

npy/   one array per file, named <descr>_<shape>.npy; values chosen to hit the edges of each dtype.
       be_*        big-endian variants of the same arrays
       fortran_*   Fortran-ordered arrays (fortran_order: True in the header)
       v2_*, v3_*  format versions 2.0 and 3.0 (numpy writes 1.0 unless told)
npz/   savez.npz (entries stored) and savez_compressed.npz (deflated), arrays a, b, c.
golden.safetensors
       hand-built with struct + json (the `safetensors` package is not installed here), laid out
       as the reference writer (safetensors 0.4) lays it out: __metadata__ first, tensors sorted
       by dtype alignment (widest first) then name, compact JSON padded with spaces to a multiple
       of 8 bytes.

The expected values are repeated in the Java tests (NpyTest, NpzTest, SafeTensorsTest); keep the
two in step.
"""

import json
import os
import struct

import numpy as np

assert np.__version__.startswith("1.24"), "made with numpy 1.24, got " + np.__version__

HERE = os.path.dirname(os.path.abspath(__file__))


def npy(name, array, version=None):
    os.makedirs(os.path.join(HERE, "npy"), exist_ok=True)
    with open(os.path.join(HERE, "npy", name + ".npy"), "wb") as f:
        if version is None:
            np.save(f, array)
        else:
            np.lib.format.write_array(f, array, version=version)


F4_2X3 = (np.arange(6, dtype=np.float32).reshape(2, 3) * np.float32(0.5) - np.float32(1.0))
F8_4 = np.array([0.1, -2.5, 1e300, np.inf], dtype=np.float64)
I8_SCALAR = np.array(-1234567890123, dtype=np.int64)
I4_3 = np.array([-2**31, 0, 2**31 - 1], dtype=np.int32)
B1_2X2 = np.array([[True, False], [False, True]])
U1_4 = np.array([0, 1, 200, 255], dtype=np.uint8)
I1_4 = np.array([-128, -1, 0, 127], dtype=np.int8)
I2_3 = np.array([-32768, 1, 32767], dtype=np.int16)
I8_3 = np.array([1, -2, 2**40], dtype=np.int64)

# Little-endian, as numpy.save writes them (NpyTest also compares Ember's bytes with these).
npy("f4_2x3", F4_2X3)
npy("f8_4", F8_4)
npy("i8_scalar", I8_SCALAR)
npy("i4_3", I4_3)
npy("b1_2x2", B1_2X2)
npy("f4_0x3", np.zeros((0, 3), dtype=np.float32))
npy("i8_1000", np.arange(1000, dtype=np.int64))
npy("u1_4", U1_4)
npy("i1_4", I1_4)
npy("i2_3", I2_3)
npy("i8_3", I8_3)

# Big-endian.
npy("be_f4_2x3", F4_2X3.astype(">f4"))
npy("be_f8_4", F8_4.astype(">f8"))
npy("be_i8_3", I8_3.astype(">i8"))
npy("be_i4_3", I4_3.astype(">i4"))
npy("be_i2_3", I2_3.astype(">i2"))

# Fortran order.
npy("fortran_f4_3x4", np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)))
npy("fortran_i8_2x3x4", np.asfortranarray(np.arange(24, dtype=np.int64).reshape(2, 3, 4)))

# Format versions 2.0 and 3.0.
npy("v2_f4_2x3", F4_2X3, version=(2, 0))
npy("v3_f4_2x3", F4_2X3, version=(3, 0))

os.makedirs(os.path.join(HERE, "npz"), exist_ok=True)
NPZ = dict(a=F4_2X3, b=I8_3, c=B1_2X2)
np.savez(os.path.join(HERE, "npz", "savez.npz"), **NPZ)
np.savez_compressed(os.path.join(HERE, "npz", "savez_compressed.npz"), **NPZ)

# safetensors
TENSORS = {
    "weight": ("F32", np.arange(6, dtype="<f4").reshape(2, 3) * np.float32(0.25)),
    "bias": ("F64", np.array([0.5, -1.0, 2.0], dtype="<f8")),
    "step": ("I64", np.array(7, dtype="<i8")),
    "idx": ("I32", np.array([0, -1, 5, 2**31 - 1], dtype="<i4")),
    "mask": ("BOOL", np.array([[True, False], [True, True]])),
    "empty": ("F32", np.zeros((0, 2), dtype="<f4")),
}
ALIGN = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "BOOL": 1}
order = sorted(TENSORS, key=lambda n: (-ALIGN[TENSORS[n][0]], n))
header = {"__metadata__": {"format": "pt", "note": "ember golden"}}
data = b""
for name in order:
    dtype, a = TENSORS[name]
    raw = a.tobytes(order="C")
    header[name] = {"dtype": dtype, "shape": list(a.shape),
                    "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header, separators=(",", ":")).encode("utf-8")
text += b" " * (-len(text) % 8)
with open(os.path.join(HERE, "golden.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
