"""Loading MNIST (or any MNIST-style IDX data set) without the internet.

The project ships the four original IDX files in `siamese_lib/data/mnist/` (see its README for
the credit and licence), so `load_mnist()` works offline. Explained in notebooks/01_mnist.ipynb.

IDX format (big-endian): a 4-byte magic number (0x00000801 labels, 0x00000803 images), one
4-byte count per dimension, then the uint8 values.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from .checksums import check_sum, read_sums
from .errors import DataFileError
from .places import restore_hint, shipped

SHIPPED_MNIST_DIR = shipped("mnist")
RESTORE = restore_hint("mnist")

IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

Split = tuple[np.ndarray, np.ndarray]


def load_mnist(
    path: str | os.PathLike | None = None, *, source: str = "files"
) -> tuple[Split, Split]:
    """Load MNIST as `(x_train, y_train), (x_test, y_test)`.

    Images are uint8 arrays of shape (N, 28, 28) with values 0..255 (white ink on black);
    labels are uint8 arrays of shape (N,) with values 0..9.

    Args:
        path: a folder holding the four standard IDX files (`train-images-idx3-ubyte`,
            `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`),
            each plain or `.gz`. Fashion-MNIST, or your own IDX set, works unchanged.
            `None` reads the copy shipped in `siamese_lib/data/mnist/` and always verifies its
            `SHA256SUMS`. A given folder is verified when it holds a `SHA256SUMS` file.
        source: `"files"` (default) reads IDX files as above; `"keras"` downloads through
            `keras.datasets.mnist` instead (needs the internet).

    Raises:
        DataFileError: a file is missing, truncated, malformed, or fails its checksum.
            Nothing is returned halfway.
    """
    if source == "keras":
        return _load_from_keras()
    if source != "files":
        raise ValueError(f"source must be 'files' or 'keras', not {source!r}.")

    folder = SHIPPED_MNIST_DIR if path is None else Path(path)
    if not folder.is_dir():
        raise DataFileError(
            f"MNIST folder not found: {folder}. Pass path= a folder holding the four IDX "
            f"files, or restore the shipped copy with {RESTORE}."
        )
    expected_sums = read_sums(folder, required=path is None, restore=RESTORE)
    arrays = {}
    for key, name in IDX_NAMES.items():
        file = _find_idx_file(folder, name)
        content = _read_bytes(file)
        if expected_sums is not None:
            check_sum(file, content, expected_sums, of="the decompressed content",
                      restore=RESTORE, name=name)
        arrays[key] = _parse_idx(file, content, IMAGES_MAGIC if "images" in key else LABELS_MAGIC)
    for split in ("train", "test"):
        _check_counts(folder, split, arrays[f"{split}_images"], arrays[f"{split}_labels"])
    return (
        (arrays["train_images"], arrays["train_labels"]),
        (arrays["test_images"], arrays["test_labels"]),
    )


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write a uint8 array as an IDX file (gzip-compressed when `path` ends in `.gz`).

    (N,) arrays become label files, (N, rows, cols) arrays image files. Useful to package your
    own digits so that `load_mnist(path=...)` reads them.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise ValueError(
            f"write_idx needs uint8 labels (N,) or images (N, rows, cols), got {array.dtype} "
            f"{array.shape}."
        )
    magic = LABELS_MAGIC if array.ndim == 1 else IMAGES_MAGIC
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    data = header + np.ascontiguousarray(array).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path


def _find_idx_file(folder: Path, name: str) -> Path:
    """The file for a standard IDX name in `folder`: plain, `.gz`, or with a dot (`images.idx3`)."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    raise DataFileError(
        f"Missing IDX file: {folder / name}[.gz]. The folder must hold all four MNIST-style "
        f"files ({', '.join(IDX_NAMES.values())}, plain or .gz); copy the missing one there."
    )


def _read_bytes(file: Path) -> bytes:
    """The decompressed content of an IDX file."""
    if file.suffix != ".gz":
        return file.read_bytes()
    try:
        return gzip.decompress(file.read_bytes())
    except (EOFError, OSError, zlib.error) as error:
        raise DataFileError(
            f"Corrupt or truncated gzip file: {file} ({error}). Replace it with a fresh copy "
            f"(for the shipped MNIST: {RESTORE})."
        ) from error


def _parse_idx(file: Path, content: bytes, magic: int) -> np.ndarray:
    """Parse IDX bytes into a uint8 array, checking the magic number and the exact length."""
    kind = "images" if magic == IMAGES_MAGIC else "labels"
    n_dims = magic & 0xFF
    header_size = 4 * (1 + n_dims)
    found_magic = int.from_bytes(content[:4], "big") if len(content) >= 4 else None
    if found_magic != magic:
        found = "no magic number" if found_magic is None else f"magic number 0x{found_magic:08x}"
        raise DataFileError(
            f"{file} has {found}, expected 0x{magic:08x} for IDX {kind}. Is it the right "
            "file (images and labels swapped?), complete, and named .gz only if compressed?"
        )
    if len(content) < header_size:
        raise DataFileError(
            f"{file} is too short to be an IDX {kind} file ({len(content)} bytes). "
            "Replace it with a complete copy."
        )
    shape = tuple(int(d) for d in np.frombuffer(content, ">u4", count=n_dims, offset=4))
    expected_size = header_size + int(np.prod(shape))
    if len(content) != expected_size:
        raise DataFileError(
            f"{file} holds {len(content)} bytes, but its header {shape} needs "
            f"{expected_size}: the file is truncated or damaged. Replace it with a complete copy."
        )
    return np.frombuffer(content, np.uint8, offset=header_size).reshape(shape).copy()


def _check_counts(folder: Path, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    if len(images) != len(labels):
        raise DataFileError(
            f"In {folder}, the {split} split has {len(images)} images but {len(labels)} "
            "labels. The image and label files do not belong together; replace one of them."
        )


def _load_from_keras() -> tuple[Split, Split]:
    """Download through keras.datasets.mnist; same dtypes and shapes as the IDX loader."""
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # the download raises several kinds of errors when offline
        raise DataFileError(
            f"keras.datasets.mnist could not download MNIST ({error}). Without the internet, "
            "use the shipped copy: load_mnist() with no source."
        ) from error
    return (
        (x_train.astype(np.uint8), y_train.astype(np.uint8)),
        (x_test.astype(np.uint8), y_test.astype(np.uint8)),
    )
