"""A minimal reader for the project's gzipped IDX files (examples/data/mnist),
giving MNIST as float32 pixels in [0, 1] and int64 labels, as
`tapegrad_nn::data::Mnist::load` scales them."""

import gzip
import pathlib

import numpy as np

DATA_DIR = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data" / "mnist"


def read_idx(path):
    """One IDX file of unsigned bytes as a numpy array of its shape."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def load_train(data_dir=DATA_DIR):
    """The 60,000 training images as float32 `[n, 784]` and labels as int64 `[n]`."""
    images = read_idx(data_dir / "train-images-idx3-ubyte.gz")
    labels = read_idx(data_dir / "train-labels-idx1-ubyte.gz")
    pixels = images.reshape(images.shape[0], -1).astype(np.float32) / 255.0
    return pixels, labels.astype(np.int64)
