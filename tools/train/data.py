"""Fashion-MNIST loading (IDX format) and the train/validation split.

The training set comes from Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist).
The test set is also shipped in models/data/ (MIT licence, Zalando SE).

The validation split is carved from the TRAINING set: a fixed random permutation (seed VAL_SEED)
puts 5,000 training images into validation; the other 55,000 are used for training.
The test set is never used for any choice.
"""
import gzip
import os
import struct

import numpy as np
import torch

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
VAL_SIZE = 5000
VAL_SEED = 12345
# Mean/std of the pixel/255 values over the 60,000 training images (computed by compute_stats(),
# fixed here so every model uses exactly the same normalization; verified by test_helu.py).
INPUT_MEAN = 0.2860
INPUT_STD = 0.3530


def read_idx(path):
    """Read an IDX file (optionally gzipped) into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError("unsupported IDX file %s (dtype 0x%02x)" % (path, dtype_code))
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError("truncated IDX file %s" % path)
    return arr.reshape(dims)


def load_split(split, data_dir=DATA_DIR):
    """Returns (images uint8 [N,28,28], labels uint8 [N]) for split 'train' or 't10k'."""
    x = read_idx(os.path.join(data_dir, "%s-images-idx3-ubyte.gz" % split))
    y = read_idx(os.path.join(data_dir, "%s-labels-idx1-ubyte.gz" % split))
    return x, y


def compute_stats(data_dir=DATA_DIR):
    x, _ = load_split("train", data_dir)
    x = x.astype(np.float64) / 255.0
    return float(x.mean()), float(x.std())


def normalize(images_u8):
    """uint8 [N,28,28] -> float32 tensor [N,1,28,28] = (pixel/255 - mean)/std, computed in float32."""
    x = torch.from_numpy(np.array(images_u8, copy=True)).to(torch.float32).div(255.0)
    x = (x - torch.tensor(INPUT_MEAN, dtype=torch.float32)) / torch.tensor(INPUT_STD, dtype=torch.float32)
    return x.unsqueeze(1).contiguous()


def val_indices(n_train=60000):
    g = np.random.RandomState(VAL_SEED)
    perm = g.permutation(n_train)
    return np.sort(perm[:VAL_SIZE]), np.sort(perm[VAL_SIZE:])


def load_train_val(data_dir=DATA_DIR):
    """Returns dict of uint8 images and int64 labels for 'train' (55k) and 'val' (5k)."""
    x, y = load_split("train", data_dir)
    vi, ti = val_indices(len(x))
    return {"train": (x[ti], torch.from_numpy(y[ti].astype(np.int64))),
            "val": (x[vi], torch.from_numpy(y[vi].astype(np.int64)))}


def load_test(data_dir=DATA_DIR):
    x, y = load_split("t10k", data_dir)
    return x, torch.from_numpy(y.astype(np.int64))


class Augmenter:
    """Random crop with zero padding 2 (on raw [0,1] pixels, so padding is background) and
    random horizontal flip, applied per sample with an explicit torch.Generator (deterministic)."""

    def __init__(self, images_u8, pad=2):
        x = torch.from_numpy(np.array(images_u8, copy=True)).to(torch.float32).div(255.0)
        self.pad = pad
        self.padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))  # [N,32,32], zero = background
        self.ar = torch.arange(28)

    def batch(self, idx, gen):
        n = len(idx)
        dy = torch.randint(0, 2 * self.pad + 1, (n,), generator=gen)
        dx = torch.randint(0, 2 * self.pad + 1, (n,), generator=gen)
        flip = torch.rand(n, generator=gen) < 0.5
        src = self.padded[idx]                                   # [n,32,32]
        rows = (dy[:, None] + self.ar[None, :])                   # [n,28]
        cols = (dx[:, None] + self.ar[None, :])                   # [n,28]
        cols = torch.where(flip[:, None], cols.flip(1), cols)
        b = torch.arange(n)[:, None, None]
        x = src[b, rows[:, :, None], cols[:, None, :]]           # [n,28,28]
        x = (x - torch.tensor(INPUT_MEAN, dtype=torch.float32)) / torch.tensor(INPUT_STD, dtype=torch.float32)
        return x.unsqueeze(1).contiguous()


if __name__ == "__main__":
    print("train mean/std:", compute_stats())
