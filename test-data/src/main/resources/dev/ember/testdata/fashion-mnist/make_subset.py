#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset bundled in this folder: the first 6,000 training and the first
1,000 test images and labels of the full data set, as gzipped IDX files under the original names.

Rerun (from this folder, with Debian's python; only the standard library and numpy are used):

    /usr/bin/python3 make_subset.py [FULL_DIR]

FULL_DIR defaults to /work/shared/data/fashion-mnist (Debian's dataset-fashion-mnist package has
the same files in /usr/share/datasets/fashion-mnist). The output is reproducible bit for bit (gzip
with mtime 0 and no file name); README.md lists the SHA-256 of every file and the class counts.
"""

import gzip
import hashlib
import os
import struct
import sys

import numpy as np

FULL = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
SUBSETS = [("train", 6000), ("t10k", 1000)]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, type_byte, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and type_byte == 0x08, path
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    assert body.size == int(np.prod(dims)), path
    return body.reshape(dims)


def write_idx(path, array):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim,
                                                                     *array.shape)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(header + array.tobytes())


for prefix, n in SUBSETS:
    images = read_idx(os.path.join(FULL, prefix + "-images-idx3-ubyte.gz"))[:n]
    labels = read_idx(os.path.join(FULL, prefix + "-labels-idx1-ubyte.gz"))[:n]
    assert images.shape == (n, 28, 28) and labels.shape == (n,)
    write_idx(os.path.join(HERE, prefix + "-images-idx3-ubyte.gz"), images)
    write_idx(os.path.join(HERE, prefix + "-labels-idx1-ubyte.gz"), labels)
    print(prefix, n, "images; class counts:", np.bincount(labels, minlength=10).tolist())

for name in sorted(os.listdir(HERE)):
    if name.endswith(".gz"):
        with open(os.path.join(HERE, name), "rb") as f:
            print(hashlib.sha256(f.read()).hexdigest(), name)
