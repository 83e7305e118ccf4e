"""The blog's file workflow: digits stored as image files, one file per digit.

The blog reads `train_images/*.jpg`, takes the label from the last character of the file name
(`int(path[-5])`, so `00042_7.jpg` is a 7), and turns each file into a float array with its
`process()` function. This module keeps that workflow, so the blog's own loop runs on files
exported here. Explained in notebooks/01_mnist.ipynb.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from .atomic import atomic_path
from .errors import ImageFileError
from .preprocessing import read_gray

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
SIDE = 28


def load_digit_image(path: str | os.PathLike) -> np.ndarray:
    """Read one image file the blog's way (its `process()`).

    Grayscale, resized to 28x28 (no cropping, no inversion: the file should already look like
    MNIST, white ink on black), scaled to [0, 1].

    Returns:
        float32 array of shape (28, 28, 1), values in [0, 1].

    Raises:
        FileNotFoundError: no such file.
        ImageFileError: the file is not a picture of a supported format (PNG, JPEG, GIF, BMP,
            WEBP, TIFF), is damaged, or is too large to open safely; the message names it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No image file at {path}. Check the path and the file name.")
    # Opened as preprocess_digit opens files (picture formats only, size checked, shrunk,
    # upright, 16-bit scaled, transparency flattened), then the blog's grey 28x28.
    gray = read_gray(path)
    small = Image.fromarray(np.round(gray * 255).astype(np.uint8)).resize((SIDE, SIDE))
    return (np.asarray(small, dtype=np.float32) / 255.0).reshape(SIDE, SIDE, 1)


def label_from_path(path: Path, root: Path) -> int:
    """The digit a file stands for: its sub-folder name (`7/x.png`) or its stem's last character.

    Raises:
        ImageFileError: neither gives a digit 0-9.
    """
    parent = path.parent.name if path.parent != root else ""
    for candidate in (parent, path.stem[-1:]):
        if len(candidate) == 1 and candidate.isdigit():
            return int(candidate)
    raise ImageFileError(
        f"Cannot tell which digit {path} is. Name it like the blog's files, `<anything>_<digit>"
        f"{path.suffix}` (e.g. 00042_7{path.suffix}), or put it in a sub-folder named after "
        "its digit (7/)."
    )


def load_image_folder(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Load every image in a folder, labelled the blog's way (see `label_from_path`).

    Files are read in sorted path order, so the result is the same on every machine.

    Returns:
        `(x, y)`: x float32 (N, 28, 28, 1) in [0, 1], y uint8 (N,).

    Raises:
        FileNotFoundError: the folder does not exist.
        ImageFileError: the folder holds no image, or a file has no digit in its name.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"No folder at {folder}. Create it with export_image_folder(x, y, folder), or pass "
            "the folder holding your digit images."
        )
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise ImageFileError(
            f"{folder} holds no image files ({', '.join(IMAGE_SUFFIXES)}). "
            "Export some with export_image_folder(x, y, folder)."
        )
    labels = np.array([label_from_path(p, folder) for p in paths], dtype=np.uint8)
    images = np.stack([load_digit_image(p) for p in paths])
    return images, labels


def export_image_folder(
    x: np.ndarray, y: np.ndarray, folder: str | os.PathLike, *, suffix: str = ".jpg",
    quality: int = 95,
) -> list[Path]:
    """Write digits as image files in the blog's layout: `folder/00000_5.jpg`, `00001_0.jpg`, ...

    Args:
        x: uint8 images (N, 28, 28) in 0..255, or floats in [0, 1] of shape (N, 28, 28[, 1]).
        y: labels (N,), digits 0-9.
        folder: created if needed.
        suffix: `.jpg` (the blog's choice, lossy) or `.png` (lossless).
        quality: JPEG quality, 1-95.

    Returns:
        The written paths, in order. Each file is written atomically.
    """
    images = _as_uint8_images(x)
    y = np.asarray(y)
    if len(images) != len(y):
        raise ValueError(f"x has {len(images)} images but y has {len(y)} labels.")
    if not np.all((y >= 0) & (y <= 9)):
        raise ValueError("Labels must be digits 0-9: the file name keeps only one character.")
    folder = Path(folder)
    width = max(5, len(str(len(images) - 1)))
    paths = []
    for index, (image, label) in enumerate(zip(images, y, strict=True)):
        path = folder / f"{index:0{width}d}_{int(label)}{suffix}"
        with atomic_path(path) as tmp:
            Image.fromarray(image).save(tmp, quality=quality)
        paths.append(path)
    return paths


def _as_uint8_images(x: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 from uint8 or [0, 1] float images, with or without a channel axis."""
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"Expected images of shape (N, H, W) or (N, H, W, 1), got {x.shape}.")
    if x.dtype == np.uint8:
        return x
    return np.round(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)
