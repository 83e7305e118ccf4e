"""Loading MNIST (or any MNIST-style IDX data set) without the internet.

The project ships the four original IDX files in `siamese_lib/data/mnist/` (see its README for
the credit and licence), so `load_mnist()` works offline. Explained in notebooks/01_mnist.ipynb.

IDX format (big-endian): a 4-byte magic number (0x00000801 labels, 0x00000803 images), one
4-byte count per dimension, then the uint8 values.

Files are read as untrusted: the header first, then exactly the bytes it promises (plus one, to
notice trailing data), never more, so a damaged or hostile file (a gzip bomb, a header that
promises terabytes) fails fast with a message naming it.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .atomic import atomic_path
from .checksums import DECOMPRESSED, check_sum, read_sums
from .errors import DataFileError
from .places import restore_hint, shipped
from .safe_files import open_binary, read_at_most

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
IDX_MAX_BYTES = 1 << 30  # the most data one IDX file may promise (1 GiB; MNIST's largest: 47 MB)
MAX_LABEL = 9  # labels are digits 0..9
DEFLATE_MAX_RATIO = 1032  # deflate expands at most this much: a .gz of S bytes holds <= 1032 S

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
        DataFileError: a file is missing, unreadable, truncated, longer than its header says,
            malformed (an empty or absurdly large header, a label above 9), or fails its
            checksum. Nothing is returned halfway. A file whose header promises more than
            `IDX_MAX_BYTES` (1 GiB) is refused unread; raise `siamese_lib.mnist.IDX_MAX_BYTES`
            for a bigger data set.
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
    expected_sums = read_sums(folder, required=path is None, restore=RESTORE, of=DECOMPRESSED)
    arrays = {}
    for key, name in IDX_NAMES.items():
        file = _find_idx_file(folder, name)
        magic = IMAGES_MAGIC if "images" in key else LABELS_MAGIC
        arrays[key] = _load_idx(file, magic, expected_sums, name)
    for split in ("train", "test"):
        _check_counts(folder, split, arrays[f"{split}_images"], arrays[f"{split}_labels"])
    return (
        (arrays["train_images"], arrays["train_labels"]),
        (arrays["test_images"], arrays["test_labels"]),
    )


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write a uint8 array as an IDX file (gzip-compressed when `path` ends in `.gz`).

    (N,) arrays become label files, (N, rows, cols) arrays image files. Useful to package your
    own digits so that `load_mnist(path=...)` reads them. The write is atomic.
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
    with atomic_path(path) as tmp:
        tmp.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
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


def _load_idx(file: Path, magic: int, sums: dict[str, str] | None, name: str) -> np.ndarray:
    """One IDX file (plain or .gz) as uint8 (N,) labels or (N, rows, cols) images, checked.

    The header is read first; then exactly the data it promises, plus one byte to notice
    trailing data. The sha256 of the decompressed content is taken on the way.
    """
    digest = hashlib.sha256()
    with open_binary(file, DataFileError) as raw, _decompressed(file, raw) as stream:
        try:
            header, shape = _read_header(file, stream, magic)
            size = _data_size(file, shape, magic, len(header), os.fstat(raw.fileno()).st_size)
            digest.update(header)
            data = read_at_most(stream, size + 1, digest)
        except (EOFError, OSError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
            if file.suffix != ".gz":
                raise DataFileError(f"Cannot read {file} ({error}).") from error
            raise DataFileError(
                f"Corrupt or truncated gzip file: {file} ({error}). Replace it with a fresh copy "
                f"(for the shipped MNIST: {RESTORE})."
            ) from error
    needed = len(header) + size
    if len(data) > size:
        raise DataFileError(
            f"{file} holds more than the {needed} bytes (decompressed) its header {shape} needs: "
            "trailing data, so the file is damaged or not what its name says. Replace it with "
            "a complete copy."
        )
    if len(data) < size:
        raise DataFileError(
            f"{file} holds {len(header) + len(data)} bytes decompressed, but its header {shape} "
            f"needs {needed}: the file is truncated or damaged. Replace it with a complete copy."
        )
    if sums is not None:
        check_sum(file, digest.hexdigest(), sums, of=DECOMPRESSED, restore=RESTORE, name=name)
    array = np.frombuffer(data, np.uint8).reshape(shape)
    if magic == LABELS_MAGIC:
        _check_labels(file, array)
    return array


def _decompressed(file: Path, raw: BinaryIO):
    """A context manager giving the content of `raw`: gunzipped on the fly for a .gz file."""
    if file.suffix == ".gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return contextlib.nullcontext(raw)


def _read_header(file: Path, stream: BinaryIO, magic: int) -> tuple[bytes, tuple[int, ...]]:
    """The header's bytes and the shape it promises, read with bounded reads (4 bytes per
    dimension), after checking the magic number."""
    kind = "images" if magic == IMAGES_MAGIC else "labels"
    start = stream.read(4)
    found_magic = int.from_bytes(start, "big") if len(start) == 4 else None
    if found_magic != magic:
        found = "no magic number" if found_magic is None else f"magic number 0x{found_magic:08x}"
        raise DataFileError(
            f"{file} has {found}, expected 0x{magic:08x} for IDX {kind}. Is it the right "
            "file (images and labels swapped?), complete, and named .gz only if compressed?"
        )
    n_dims = magic & 0xFF
    dims = stream.read(4 * n_dims)
    if len(dims) < 4 * n_dims:
        raise DataFileError(
            f"{file} is too short to be an IDX {kind} file ({4 + len(dims)} bytes). "
            "Replace it with a complete copy."
        )
    shape = tuple(int.from_bytes(dims[k : k + 4], "big") for k in range(0, 4 * n_dims, 4))
    return start + dims, shape


def _data_size(file: Path, shape: tuple[int, ...], magic: int, header_size: int,
               file_size: int) -> int:
    """The bytes of data the header's `shape` promises, counted in Python ints (no overflow),
    checked against `IDX_MAX_BYTES` and against what a file of `file_size` bytes can hold."""
    kind = "images" if magic == IMAGES_MAGIC else "labels"
    if 0 in shape:
        what = "no items" if shape[0] == 0 else "images of 0 pixels"
        raise DataFileError(f"{file}: its header {shape} describes {what}; an IDX {kind} file "
                            "needs at least one. Replace it with a complete copy.")
    size = math.prod(shape)
    if size > IDX_MAX_BYTES:
        raise DataFileError(
            f"{file}: its header {shape} promises {size:,} bytes of {kind}, more than "
            f"IDX_MAX_BYTES ({IDX_MAX_BYTES:,}): the header is damaged. Replace the file with a "
            "complete copy (for a genuinely larger data set, raise "
            "siamese_lib.mnist.IDX_MAX_BYTES)."
        )
    needed = header_size + size
    if file.suffix != ".gz" and file_size != needed:
        problem = "truncated" if file_size < needed else "longer than its header says"
        raise DataFileError(
            f"{file} holds {file_size} bytes, but its header {shape} needs {needed}: the file "
            f"is {problem} or damaged. Replace it with a complete copy."
        )
    if file.suffix == ".gz" and needed > DEFLATE_MAX_RATIO * file_size:
        raise DataFileError(
            f"{file} holds {file_size:,} bytes, too few for the {needed:,} its header {shape} "
            "needs, even gzip-compressed: the file is truncated or damaged. Replace it with a "
            "complete copy."
        )
    return size


def _check_labels(file: Path, labels: np.ndarray) -> None:
    """Refuse labels that are not digits 0..MAX_LABEL, naming the first bad one."""
    bad = np.flatnonzero(labels > MAX_LABEL)
    if len(bad):
        raise DataFileError(
            f"{file}: label {labels[bad[0]]} at position {bad[0]} (of {len(bad)} such) is not a "
            f"digit 0..{MAX_LABEL}. The file is damaged or holds another data set's labels; "
            "replace it with a complete copy."
        )


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
