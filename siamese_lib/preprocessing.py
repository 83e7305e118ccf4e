"""Turning anybody's digit image into what the network expects, the way MNIST was made.

MNIST's recipe: white ink on black, the digit's bounding box scaled so that its longest side is
20 pixels (aspect ratio kept, anti-aliased), pasted into a 28x28 frame so that its centre of
mass sits at the centre. `preprocess_digit` does the same to a photo of handwriting on paper
(dark ink on light paper is inverted automatically, uneven light is evened out, specks are
dropped) or to a canvas drawing. Explained in notebooks/05_compare_pairs.ipynb.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import ImageFileError

MAX_INPUT_PIXELS = 40_000_000  # refuse larger images before decoding them (decompression bombs)
WORK_SIDE = 256  # images are downscaled to at most this side before any processing
DIGIT_SIDE = 20  # MNIST: the digit's longest side, in pixels
FRAME_SIDE = 28
CENTRE = 14.0  # where MNIST puts the centre of mass (row and column index; measured: 13.99, 14.01)
NOISE_FLOOR = 0.25  # ink weaker than this share of the strongest ink is background noise
MIN_INK_PIXELS = 4  # fewer ink pixels than this: nothing was drawn


def preprocess_digit(image) -> np.ndarray:
    """One digit image as the network sees it: float32 (28, 28, 1) in [0, 1], white on black.

    Args:
        image: a file path, the bytes of an image file, a PIL image, or a numpy array
            (H, W), (H, W, 3) or (H, W, 4) of uint8, uint16 or float in [0, 1]. Dark ink on
            light paper and light ink on dark ground both work.

    Raises:
        ImageFileError: with a message for the user: an empty file, a file that is no image,
            an image too large to open safely, or an image with no ink on it.
    """
    gray = _to_gray(image)
    ink = _ink(gray)
    return _frame(ink)


def load_image(source) -> Image.Image:
    """Open a path, bytes or PIL image safely: first frame only, size checked before decoding."""
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ImageFileError(f"No image file at {path}. Check the path.")
        source = path.read_bytes()
    if isinstance(source, memoryview | bytearray):
        source = bytes(source)
    if not isinstance(source, bytes):
        raise ImageFileError(f"Expected an image file, bytes or an array, got {type(source)}.")
    if not source:
        raise ImageFileError(
            "The file is empty (0 bytes). Choose a PNG or JPEG picture of a digit."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(source))
            if image.width * image.height > MAX_INPUT_PIXELS:
                raise ImageFileError(
                    f"The image is too large to open safely ({image.width} x {image.height} "
                    "pixels). Shrink it to a few megapixels (a digit needs far fewer) and try "
                    "again."
                )
            image.seek(0)  # animated GIF / multi-page TIFF: the first frame
            image.draft("L", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at reduced size
            image.load()
    except ImageFileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageFileError(
            "The image is too large to open safely. Shrink it to a few megapixels and try "
            "again."
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageFileError(
            "This file is not an image that can be read (is it a PNG or JPEG picture?)."
        ) from error
    return image


def image_for_display(source) -> np.ndarray:
    """An image file as the preprocessing reads it, for `plt.imshow`: float32 in [0, 1].

    Shape (H, W) for grey images, (H, W, 3) or (H, W, 4) for colour PNGs and GIFs. A JPEG is
    decoded as `load_image` decodes it: in grey, and at most about WORK_SIDE pixels on a side.
    16-bit images are scaled by 65535 (shown as they are, `imshow` would clip them to white or
    show them blank). Raises ImageFileError as `load_image` does.
    """
    return _pil_to_unit(load_image(source))


def _to_gray(image) -> np.ndarray:
    """float32 (H, W) in [0, 1], at most WORK_SIDE on a side; transparency flattened."""
    if isinstance(image, np.ndarray):
        array = _array_to_unit(image)
    else:
        array = _pil_to_unit(load_image(image))
    if array.ndim == 3 and array.shape[2] in (2, 4):
        array = _flatten_alpha(array)
    if array.ndim == 3:
        array = _luminance(array)
    if array.ndim != 2 or min(array.shape) < 2:
        raise ImageFileError(f"Expected a 2-D image, got an array of shape {array.shape}.")
    return _shrink(array)


def _luminance(colour: np.ndarray) -> np.ndarray:
    """(H, W, C) -> (H, W): ITU-R 601 luma for RGB, the single channel otherwise."""
    if colour.shape[2] >= 3:
        return colour[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    return colour[..., 0]


def _pil_to_unit(image: Image.Image) -> np.ndarray:
    """A PIL image as float32 in [0, 1]: (H, W), (H, W, 3) or (H, W, 4). 16-bit kept exact."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float32)
        top = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        return np.clip(array / top, 0.0, 1.0)
    if image.mode == "F":
        return _array_to_unit(np.asarray(image, dtype=np.float32))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else ("L" if image.mode in ("1", "L") else "RGB"))
    return np.asarray(image, dtype=np.float32) / 255.0


def _array_to_unit(array: np.ndarray) -> np.ndarray:
    array = np.squeeze(np.asarray(array))
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype == np.uint16:
        return array.astype(np.float32) / 65535.0
    array = array.astype(np.float32)
    if array.size and array.max() > 1.0:
        array = array / 255.0
    return np.clip(array, 0.0, 1.0)


def _flatten_alpha(array: np.ndarray) -> np.ndarray:
    """Put transparent pixels on a ground that contrasts with the visible ones."""
    colour, alpha = array[..., :-1], array[..., -1:]
    if alpha.min() >= 1.0:
        return colour
    visible = colour[alpha[..., 0] > 0.5]
    ground = 1.0 if visible.size == 0 or visible.mean() < 0.5 else 0.0
    return colour * alpha + ground * (1.0 - alpha)


def _shrink(gray: np.ndarray) -> np.ndarray:
    if max(gray.shape) <= WORK_SIDE:
        return gray
    image = Image.fromarray(gray, mode="F")
    scale = WORK_SIDE / max(gray.shape)
    size = (max(2, round(gray.shape[1] * scale)), max(2, round(gray.shape[0] * scale)))
    return np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float32)


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink strength in [0, 1] (H, W): inverted if the ground is light, light evened, specks cut."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # light paper, dark ink
        gray = 1.0 - gray
    if min(gray.shape) > 64:  # photos: average away pixel noise (3x3)
        gray = _mean_3x3(gray)
    ink = np.clip(gray - _ground(gray), 0.0, None)
    strongest = float(np.percentile(ink, 99.5))  # robust to a few bright specks
    if strongest < 0.15:
        raise ImageFileError(_NO_INK)
    ink = np.minimum(ink / strongest, 1.0)
    ink[ink < NOISE_FLOOR] = 0.0
    if np.count_nonzero(ink) < MIN_INK_PIXELS:
        raise ImageFileError(_NO_INK)
    return ink


def _mean_3x3(gray: np.ndarray) -> np.ndarray:
    """Each pixel replaced by the mean of its 3x3 neighbourhood (edges repeated)."""
    padded = np.pad(gray, 1, mode="edge")
    height, width = gray.shape
    return sum(padded[r : r + height, c : c + width] for r in range(3) for c in range(3)) / 9.0


def _ground(gray: np.ndarray, share: float = 10.0) -> np.ndarray:
    """The ground's local brightness (H, W): a low percentile per grid cell, smoothly upsampled.

    Photos of paper are lit unevenly, but smoothly: a grid of at most 4x4 cells of 64 pixels or
    more follows the light. Ink covers far less than 90% of such a cell, so the cell's 10th
    percentile is ground. Small images (28x28) get one cell: a constant.
    """
    height, width = gray.shape
    cells = int(np.clip(min(height, width) // 64, 1, 4))
    grid = np.array(
        [[np.percentile(gray[np.ix_(rows, cols)], share)
          for cols in np.array_split(np.arange(width), cells)]
         for rows in np.array_split(np.arange(height), cells)],
        dtype=np.float32,
    )
    return np.asarray(
        Image.fromarray(grid, mode="F").resize((width, height), Image.Resampling.BILINEAR),
        dtype=np.float32,
    )


_NO_INK = ("No digit found: the image is blank (or nearly). Draw a digit, or upload a picture "
           "with one dark digit on light paper (or a light one on dark).")


def _frame(ink: np.ndarray) -> np.ndarray:
    """Crop to the ink, longest side to 20 pixels, centre of mass at the centre of 28x28."""
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    digit = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = DIGIT_SIDE / max(digit.shape)
    height = max(1, round(digit.shape[0] * scale))
    width = max(1, round(digit.shape[1] * scale))
    small = np.asarray(
        Image.fromarray(digit, mode="F").resize((width, height), Image.Resampling.LANCZOS),
        dtype=np.float32,
    ).clip(0.0, 1.0)
    mass_rows, mass_cols = np.indices(small.shape)
    total = small.sum()
    centre_row = (mass_rows * small).sum() / total
    centre_col = (mass_cols * small).sum() / total
    top = int(np.clip(round(CENTRE - centre_row), 0, FRAME_SIDE - height))
    left = int(np.clip(round(CENTRE - centre_col), 0, FRAME_SIDE - width))
    frame = np.zeros((FRAME_SIDE, FRAME_SIDE), np.float32)
    frame[top : top + height, left : left + width] = small
    frame /= max(float(frame.max()), 1e-6)
    return frame[..., np.newaxis]
