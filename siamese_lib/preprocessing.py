"""Turning anybody's digit image into what the network expects, the way MNIST was made.

MNIST's recipe: white ink on black, the digit's bounding box scaled so that its longest side is
20 pixels (aspect ratio kept, anti-aliased), pasted into a 28x28 frame so that its centre of
mass sits at the centre. `preprocess_digit` does the same to a photo of handwriting on paper or
to a drawing, after the steps a photo needs and NIST's clean scans did not:

1. the file opened safely (only picture formats people upload, size checked before decoding,
   shrunk by Pillow before any float conversion, turned upright by its EXIF orientation);
2. the ink found: its polarity (dark on light or light on dark) from the side the image's
   extremes lie on, the ground's uneven light removed at every image size (a grey opening:
   what is left when every stroke-sized bright detail is taken away), specks dropped, and
   pictures with no digit (blank, noise, a gradient, specks) refused;
3. MNIST's crop, 20-pixel box and centre of mass, with the strokes evened toward MNIST's width
   on the way (a digit drawn with a thick pen, or small, reaches the network as MNIST would).

Every failure is an `ImageFileError` whose message names the file. Explained in
notebooks/05_compare_pairs.ipynb.
"""

from __future__ import annotations

import io
import os
import warnings
from collections import deque
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import ImageFileError
from .safe_files import open_binary, read_at_most

MAX_INPUT_PIXELS = 40_000_000  # refuse larger images before decoding them (decompression bombs)
MAX_FILE_BYTES = 100_000_000  # refuse larger files before reading them whole
UPLOAD_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # what people upload; no others
WORK_SIDE = 160  # images are shrunk by Pillow to at most this side before any processing
DIGIT_SIDE = 20  # MNIST: the digit's longest side, in pixels
FRAME_SIDE = 28
CENTRE = 14.0  # where MNIST puts the centre of mass (row and column index; measured: 13.99, 14.01)
NOISE_FLOOR = 0.25  # ink weaker than this share of the strongest ink is background noise
MIN_CONTRAST = 0.05  # ink must stand out from the ground by this much (of the full range) ...
NOISE_CONTRAST = 8.0  # ... and by this many times the ground's noise (its peaks reach ~7x)
SUPERSAMPLE = 4  # the 20-pixel digit is worked on at 4x while its strokes are evened
# MNIST's stroke width in the 28x28 frame, by `stroke_width` (2 x ink area / boundary length at
# SUPERSAMPLE, in frame pixels): 5th, 50th and 95th percentiles over the first 55,000 training
# digits (the ones the models train on; never the test digits), by `mnist_stroke_widths`.
# Digits inside the band are left as they are.
MNIST_STROKE = (1.75, 2.66, 4.08)
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}  # EXIF orientation -> the turn that makes it upright


def preprocess_digit(image, *, name: str | None = None, even_strokes: bool = True) -> np.ndarray:
    """One digit image as the network sees it: float32 (28, 28, 1) in [0, 1], white on black.

    Args:
        image: a file path, the bytes of an image file (PNG, JPEG, GIF, BMP, WEBP or TIFF), a
            PIL image, or a numpy array (H, W), (H, W, 3) or (H, W, 4) of uint8, uint16, or
            floats in [0, 1] (or 0..255). Dark ink on light paper and light ink on dark ground
            both work.
        name: what to call the image in messages (e.g. the uploaded file's name); default:
            the path, or "the image".
        even_strokes: bring the stroke width toward MNIST's (off: MNIST's own steps only).

    Raises:
        ImageFileError: with a message for the user that names the image: an empty file, a
            file that is no picture of a supported format, a damaged file, an image too large
            to open safely, or an image with no digit on it.
    """
    name = name or _name_of(image)
    gray = _to_gray(image, name)
    ink = _ink(gray, name)
    return _frame(ink, even_strokes=even_strokes)


def load_image(source, *, name: str | None = None) -> Image.Image:
    """Open a path, bytes or PIL image safely: upright, first frame, at most WORK_SIDE a side.

    Only UPLOAD_FORMATS are opened; the size is checked before decoding; a JPEG is decoded in
    grey at reduced size; the image is shrunk by Pillow (BOX filter) in its own 8-, 16- or
    32-bit mode, so a small file of a huge image never becomes a huge float array.
    """
    name = name or _name_of(source)
    if not isinstance(source, Image.Image):
        source = _decode(_read(source, name), name)
    return _upright(_shrunk(source), source)


def read_gray(source, *, name: str | None = None) -> np.ndarray:
    """An image opened as `preprocess_digit` opens it (safely, upright, at most WORK_SIDE a
    side, 16-bit scaled, transparency flattened) in grey: float32 (H, W) in [0, 1]."""
    name = name or _name_of(source)
    return _to_gray(source, name)


def image_for_display(source, *, name: str | None = None) -> np.ndarray:
    """An image file as the preprocessing reads it, for `plt.imshow`: float32 in [0, 1].

    Shape (H, W) for grey images, (H, W, 3) or (H, W, 4) for colour PNGs and GIFs, at most
    WORK_SIDE a side, upright. 16-bit images are scaled by 65535 (shown as they are, `imshow`
    would clip them to white or show them blank). Raises ImageFileError as `load_image` does.
    """
    name = name or _name_of(source)
    return _pil_to_unit(load_image(source, name=name), name)


# ---------------------------------------------------------------- 1. opening the file safely

def _name_of(source) -> str:
    if isinstance(source, str | os.PathLike):
        return str(source)
    return "the array" if isinstance(source, np.ndarray) else "the image"


def _fail(name: str, text: str) -> ImageFileError:
    return ImageFileError(f"{name}: {text}")


def _read(source, name: str) -> bytes:
    """The bytes of a path or a bytes-like object."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ImageFileError(f"No image file at {path}. Check the path.")
        with open_binary(path, ImageFileError) as stream:  # "Cannot read ...: permission"
            source = bytes(read_at_most(stream, MAX_FILE_BYTES + 1))
        if len(source) > MAX_FILE_BYTES:
            raise _fail(name, f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB: too "
                              "large for a picture of one digit. Shrink it and try again.")
    if isinstance(source, memoryview | bytearray):
        source = bytes(source)
    if not isinstance(source, bytes):
        raise ImageFileError(
            f"Expected an image file, bytes or an array, got {type(source).__name__}.")
    if not source:
        raise _fail(name, "the file is empty (0 bytes). Choose a PNG or JPEG picture of a digit.")
    return source


def _decode(data: bytes, name: str) -> Image.Image:
    """Decode the first frame of a picture in UPLOAD_FORMATS, refusing huge ones first."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=UPLOAD_FORMATS)
            if image.width * image.height > MAX_INPUT_PIXELS:
                raise _fail(name, _TOO_LARGE.format(f" ({image.width} x {image.height} pixels)"))
            image.seek(0)  # animated GIF / multi-page TIFF: the first frame
            image.draft("L", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at reduced size, in grey
            image.load()
    except ImageFileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError) as error:
        raise _fail(name, _TOO_LARGE.format("")) from error
    except UnidentifiedImageError as error:
        raise _fail(name, "not an image that can be read here. Use a picture in one of "
                          f"these formats: {', '.join(UPLOAD_FORMATS)}.") from error
    except Exception as error:  # noqa: BLE001  Pillow's decoders raise many kinds of errors
        raise _fail(name, f"the picture could not be decoded ({type(error).__name__}: {error}). "
                          "The file is damaged, cut short, or an unusual variant of its format: "
                          "save it again as PNG or JPEG.") from error
    return image


_TOO_LARGE = ("the image is too large to open safely{}. Shrink it to a few megapixels (a digit "
              "needs far fewer) and try again.")


def _shrunk(image: Image.Image) -> Image.Image:
    """The image in a mode Pillow can resize, at most WORK_SIDE a side (BOX filter).

    16-bit images become 32-bit integers ("I") and remember their depth in `info["bits"]`.
    """
    bits = 16 if image.mode.startswith("I;16") else None
    has_alpha = image.mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in image.info
    if image.mode.startswith("I;16"):
        image = image.convert("I")
    elif has_alpha:
        image = image.convert("RGBA")  # transparency (also a colour key) as an alpha channel
    elif image.mode in ("1", "L"):
        image = image.convert("L")
    elif image.mode not in ("RGB", "I", "F"):
        image = image.convert("RGB")
    if max(image.size) > WORK_SIDE:
        scale = WORK_SIDE / max(image.size)
        size = (max(2, round(image.width * scale)), max(2, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX, reducing_gap=2.0)
    if bits:
        image.info["bits"] = bits
    return image


def _upright(image: Image.Image, original: Image.Image) -> Image.Image:
    """Turn the image as the original's EXIF orientation says (phone photos)."""
    try:
        orientation = original.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001  a damaged EXIF block: keep the pixels as stored
        orientation = 1
    if orientation not in UPRIGHT:
        return image
    turned = image.transpose(UPRIGHT[orientation])
    turned.info.update(image.info)
    return turned


def _pil_to_unit(image: Image.Image, name: str) -> np.ndarray:
    """A PIL image as float32 in [0, 1]: (H, W), (H, W, 3) or (H, W, 4). 16-bit kept exact."""
    if image.mode == "I":
        array = np.asarray(image, dtype=np.float32)
        top = 65535.0 if image.info.get("bits") == 16 or array.max() > 255 else 255.0
        return _array_to_unit(array / top, name)
    if image.mode == "F":
        return _array_to_unit(np.asarray(image, dtype=np.float32), name)
    return np.asarray(image, dtype=np.float32) / 255.0


def _array_to_unit(array, name: str) -> np.ndarray:
    """A numpy image as float32 in [0, 1]: uint8 / 255, uint16 / 65535, floats up to 255."""
    array = np.squeeze(np.asarray(array))
    if array.dtype == bool:
        return array.astype(np.float32)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise _fail(name, f"holds {array.dtype} values; expected numbers: uint8 in 0..255 or "
                          "floats in [0, 1].")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype == np.uint16:
        return array.astype(np.float32) / 65535.0
    array = array.astype(np.float32)
    if array.size and not np.isfinite(array).all():
        raise _fail(name, "has pixels that are not numbers (NaN or infinity). Replace them "
                          "(numpy.nan_to_num) or export the picture again.")
    if array.size and (array.min() < 0 or array.max() > 255):
        raise _fail(name, f"has values from {array.min():g} to {array.max():g}; expected "
                          "0..255 or [0, 1]. Rescale it.")
    if array.size and array.max() > 1.0:
        array = array / 255.0
    return array


def _to_gray(image, name: str) -> np.ndarray:
    """float32 (H, W) in [0, 1], at most WORK_SIDE on a side; transparency flattened."""
    if isinstance(image, np.ndarray):
        array = _array_to_unit(image, name)
    else:
        array = _pil_to_unit(load_image(image, name=name), name)
    if array.ndim == 3 and array.shape[2] in (2, 4):
        array = _flatten_alpha(array)
    if array.ndim == 3 and array.shape[2] in (1, 3):
        array = _luminance(array)
    if array.ndim != 2 or min(array.shape) < 2:
        raise _fail(name, f"expected a 2-D image, got an array of shape {array.shape}.")
    if max(array.shape) > WORK_SIDE:  # large arrays (files are shrunk when opened)
        array = _pil_to_unit(_shrunk(Image.fromarray(array, mode="F")), name)
    return array


def _luminance(colour: np.ndarray) -> np.ndarray:
    """(H, W, C) -> (H, W): ITU-R 601 luma for RGB, the single channel otherwise."""
    if colour.shape[2] >= 3:
        return colour[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    return colour[..., 0]


def _flatten_alpha(array: np.ndarray) -> np.ndarray:
    """Put transparent pixels on a ground that contrasts with the visible ones."""
    colour, alpha = array[..., :-1], array[..., -1:]
    if alpha.min() >= 1.0:
        return colour
    visible = colour[alpha[..., 0] > 0.5]
    ground = 1.0 if visible.size == 0 or visible.mean() < 0.5 else 0.0
    return colour * alpha + ground * (1.0 - alpha)


# ---------------------------------------------------------------- 2. finding the ink

def _ink(gray: np.ndarray, name: str) -> np.ndarray:
    """Ink strength in [0, 1] (H, W), the digit alone: polarity, ground removed, specks cut."""
    if ink_is_dark(gray):
        gray = 1.0 - gray
    noise = pixel_noise(gray)
    if min(gray.shape) > 64:  # photos: average away pixel noise (3x3)
        gray = _mean_3x3(gray)
        noise /= 3.0  # the standard deviation of a mean of 9 independent values
    above = gray - ground(gray)
    low, quarter = np.percentile(above[::2, ::2], [5, 25])  # the ground's spread (ink < 75%)
    noise = max(noise, float(quarter - low) / 0.97)
    needed = max(MIN_CONTRAST, NOISE_CONTRAST * noise)
    strong = above[above > needed]
    if strong.size < 4:
        raise _fail(name, _NO_INK)
    ink = np.clip(above / float(np.percentile(strong, 90)), 0.0, 1.0)
    ink[above <= needed / 2] = 0.0
    ink[ink < NOISE_FLOOR] = 0.0
    return _the_digit(ink, name)


def pixel_noise(gray: np.ndarray) -> float:
    """The image's pixel noise, a standard deviation: from the differences of neighbouring
    pixels (median absolute difference / 0.6745 / sqrt 2), which edges of strokes barely move,
    however much of the image is ink."""
    differences = np.abs(np.diff(gray[::2], axis=1)).ravel()  # every other row is plenty
    return float(np.median(differences)) * 1.4826 / np.sqrt(2.0)


def ink_is_dark(gray: np.ndarray) -> bool:
    """True for dark ink on a light ground: the image's extremes lie further below its
    typical level than above it, once smooth light is taken away (a robust plane fit).

    Robust where a rule on the border fails: paper on a darker desk, dim photos.
    """
    if min(gray.shape) > 64:  # every other pixel: strokes are wider than that, and it is quicker
        gray = gray[::2, ::2]
    flat = gray - _plane(gray)
    lowest, low, middle, high, highest = np.percentile(flat, [0, 0.5, 50, 99.5, 100])
    if abs((middle - low) - (high - middle)) <= 1e-3:  # ink under 0.5%: the extremes decide
        low, high = lowest, highest
    return bool(middle - low > high - middle)


def _plane(gray: np.ndarray) -> np.ndarray:
    """The plane a + b row + c col that fits the ground (H, W): least squares, refitted on
    the pixels within 2.5 robust deviations, so ink does not pull it."""
    rows, cols = np.indices(gray.shape, dtype=np.float32)
    design = np.stack([np.ones(gray.size, np.float32), rows.ravel(), cols.ravel()], axis=1)
    sample = slice(None, None, max(1, gray.size // 4096))  # about 4,096 pixels are enough
    design, values = design[sample], gray.ravel()[sample]
    keep = np.ones(len(values), bool)
    for _ in range(2):
        coefficients = np.linalg.lstsq(design[keep], values[keep], rcond=None)[0]
        residual = values - design @ coefficients
        spread = 2.5 * 1.4826 * np.median(np.abs(residual)) + 1e-6
        keep = np.abs(residual) <= spread
    return (coefficients[0] + coefficients[1] * rows + coefficients[2] * cols).astype(np.float32)


def ground(gray: np.ndarray) -> np.ndarray:
    """The ground's brightness under bright ink (H, W): a grey opening of the image.

    The opening (a minimum, then a maximum, over a square half the image wide) takes
    away every bright detail narrower than the square, so strokes go and smooth light, a desk
    around the paper or a shadow stays. The image is padded by repeating its edges, so a strip
    of desk along the border stays ground too. Works the same at 28 pixels and at WORK_SIDE.
    """
    size = max(7, min(gray.shape) // 2) | 1
    pad = size // 2 + 1  # enough for a strip of desk along the border to stay ground
    padded = np.pad(gray, pad, mode="edge")
    opened = _filter(_filter(padded, size, np.minimum), size, np.maximum)
    return opened[pad:-pad, pad:-pad]


def _filter(image: np.ndarray, size: int, reduce) -> np.ndarray:
    """A square minimum or maximum filter (reduce = np.minimum or np.maximum): same shape,
    edges repeated. Columns, then rows, each in time independent of `size` (van Herk)."""
    return _running(_running(image, size, reduce).T, size, reduce).T


def _running(image: np.ndarray, size: int, reduce) -> np.ndarray:
    """The running minimum or maximum down each column, over `size` pixels centred on each one.

    The padded columns are cut into blocks of `size` rows; a window is a block's suffix joined
    to the next block's prefix, so two accumulated passes give every window's value (each pass
    works on whole rows at once).
    """
    height, width = image.shape
    padded = np.pad(image, ((size // 2, size - 1 - size // 2), (0, 0)), mode="edge")
    blocks = -(-padded.shape[0] // size)
    padded = np.pad(padded, ((0, blocks * size - padded.shape[0]), (0, 0)), mode="edge")
    cut = padded.reshape(blocks, size, width)
    prefix = reduce.accumulate(cut, axis=1).reshape(-1, width)
    suffix = reduce.accumulate(cut[:, ::-1], axis=1)[:, ::-1].reshape(-1, width)
    return reduce(suffix[:height], prefix[size - 1 : size - 1 + height])


def _mean_3x3(gray: np.ndarray) -> np.ndarray:
    """Each pixel replaced by the mean of its 3x3 neighbourhood (edges repeated)."""
    padded = np.pad(gray, 1, mode="edge")
    height, width = gray.shape
    return sum(padded[r : r + height, c : c + width] for r in range(3) for c in range(3)) / 9.0


_NO_INK = ("no digit found: nothing stands out from the background as ink (the picture is "
           "blank, or only noise or a smooth shade). Draw a digit, or upload a picture with one "
           "dark digit on light paper (or a light one on dark).")
_NOT_A_DIGIT = ("no digit found: the picture looks like {} rather than one written digit. "
                "Upload a picture of one digit, written large, on plain paper.")
PIECE_SHARE = 0.1  # pieces of ink lighter than this share of the largest one are specks
MAX_PIECES = 6  # a digit has a few pieces (a 5 in two strokes, a broken pencil line), not many
GRID = 32  # ink pieces are found on a grid of at most 32 x 32 cells
SPECK_SHARE = 0.08  # ink whose heaviest piece spans less than 8% of the image is specks
# Ink as wide as 45% of its extent (a disk: 50%; MNIST: 14%; a digit drawn 30 px tall with
# a 16 px pen: 42%) and with soft edges (more than half of it between 0.25 and 0.75 of full
# strength; a drawing: 16%; a blurred digit: 58%) is a smooth shade of light, not ink.
BLOB_SHARE = 0.45
SOFT_SHARE = 0.5


def _the_digit(ink: np.ndarray, name: str) -> np.ndarray:
    """The ink with specks removed; refuses noise, scattered marks, specks alone, ink floods.

    Pieces are the 8-connected groups of inked cells on a coarse grid (a cell is inked when any
    of its pixels is, so thin strokes stay connected), weighed by their ink. Pieces lighter
    than PIECE_SHARE of the heaviest are specks and are dropped.
    """
    cell = max(1, -(-max(ink.shape) // GRID))
    mass = _cell_sums(ink, cell)
    labels, count = _label(mass > 0)
    weights = np.bincount(labels.ravel(), weights=mass.ravel(), minlength=count + 1)[1:]
    kept = np.flatnonzero(weights >= PIECE_SHARE * weights.max()) + 1
    if len(kept) > MAX_PIECES:
        raise _fail(name, _NOT_A_DIGIT.format("noise or scattered marks"))
    rows, cols = np.nonzero(labels == np.argmax(weights) + 1)  # the heaviest piece
    extent = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
    if extent * cell < max(4, SPECK_SHARE * max(ink.shape)):
        raise _fail(name, _NOT_A_DIGIT.format("a few specks"))
    keep = np.isin(labels, kept)
    rows, cols = np.nonzero(keep)
    box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    if box > 0.8 * keep.size and keep.sum() > 0.8 * box:
        raise _fail(name, _NOT_A_DIGIT.format("a texture or a photo of a surface"))
    mask = np.repeat(np.repeat(keep, cell, axis=0), cell, axis=1)[: ink.shape[0], : ink.shape[1]]
    digit = np.where(mask, ink, 0.0).astype(np.float32)
    rows, cols = np.nonzero(digit > 0.5)
    extent = max(np.ptp(rows), np.ptp(cols)) + 1 if rows.size else 0
    inked = digit[digit > 0]
    soft = float(np.mean((inked > 0.25) & (inked < 0.75))) if inked.size else 0.0
    if rows.size and _mean_width(digit > 0.5) > BLOB_SHARE * extent and soft > SOFT_SHARE:
        raise _fail(name, _NOT_A_DIGIT.format("a smooth shade (light, a shadow)"))
    return digit


def _cell_sums(image: np.ndarray, cell: int) -> np.ndarray:
    """The sum of each cell x cell block of `image` (zero-padded at the far edges)."""
    height, width = -(-image.shape[0] // cell) * cell, -(-image.shape[1] // cell) * cell
    padded = np.zeros((height, width), image.dtype)
    padded[: image.shape[0], : image.shape[1]] = image
    return padded.reshape(height // cell, cell, width // cell, cell).sum(axis=(1, 3))


def _label(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of a small boolean mask: int32 labels (0 = none), their count."""
    labels = np.zeros(mask.shape, np.int32)
    count = 0
    height, width = mask.shape
    for start in zip(*np.nonzero(mask), strict=True):
        if labels[start]:
            continue
        count += 1
        labels[start] = count
        queue = deque([start])
        while queue:
            row, col = queue.popleft()
            for r in range(max(row - 1, 0), min(row + 2, height)):
                for c in range(max(col - 1, 0), min(col + 2, width)):
                    if mask[r, c] and not labels[r, c]:
                        labels[r, c] = count
                        queue.append((r, c))
    return labels, count


# ---------------------------------------------------------------- 3. MNIST's frame

def _frame(ink: np.ndarray, *, even_strokes: bool = True) -> np.ndarray:
    """Crop to the ink, longest side to 20 pixels, centre of mass at the centre of 28x28.

    The crop is first drawn at SUPERSAMPLE x the final size, where its strokes are evened
    (`even_stroke_width`), then shrunk with a BOX filter: the anti-aliased grey edges MNIST has.
    """
    digit = _cropped(ink)
    scale = DIGIT_SIDE / max(digit.shape)
    height = max(1, round(digit.shape[0] * scale))
    width = max(1, round(digit.shape[1] * scale))
    big = _resized(digit, width * SUPERSAMPLE, height * SUPERSAMPLE, Image.Resampling.LANCZOS)
    if even_strokes:
        big = even_stroke_width(big)
    small = _resized(big, width, height, Image.Resampling.BOX)
    mass_rows, mass_cols = np.indices(small.shape)
    total = max(float(small.sum()), 1e-6)
    centre_row = (mass_rows * small).sum() / total
    centre_col = (mass_cols * small).sum() / total
    top = int(np.clip(round(CENTRE - centre_row), 0, FRAME_SIDE - height))
    left = int(np.clip(round(CENTRE - centre_col), 0, FRAME_SIDE - width))
    frame = np.zeros((FRAME_SIDE, FRAME_SIDE), np.float32)
    frame[top : top + height, left : left + width] = small
    frame /= max(float(frame.max()), 1e-6)
    return frame[..., np.newaxis]


def _resized(image: np.ndarray, width: int, height: int, resample) -> np.ndarray:
    resized = Image.fromarray(image.astype(np.float32), mode="F").resize((width, height), resample)
    return np.asarray(resized, dtype=np.float32).clip(0.0, 1.0)


def stroke_width(big: np.ndarray) -> float:
    """The mean stroke width of a supersampled digit (H, W) float, in 28x28-frame pixels:
    `_mean_width` of where it is above 0.5, over SUPERSAMPLE."""
    return _mean_width(big > 0.5) / SUPERSAMPLE


def _mean_width(ink: np.ndarray) -> float:
    """The mean width of the strokes of a boolean mask (H, W), in pixels: 2 x area /
    boundary length (a stroke of length L and width W has area L W and a boundary of about
    2 L; a disk of diameter D gives D / 2)."""
    inner = np.zeros_like(ink)
    inner[1:-1, 1:-1] = (ink[1:-1, 1:-1] & ink[:-2, 1:-1] & ink[2:, 1:-1]
                         & ink[1:-1, :-2] & ink[1:-1, 2:])
    boundary = int(np.count_nonzero(ink & ~inner))
    return 2.0 * np.count_nonzero(ink) / max(boundary, 1)


def even_stroke_width(big: np.ndarray) -> np.ndarray:
    """Thin or thicken a supersampled digit's strokes into MNIST's band (MNIST_STROKE).

    A stroke wider than MNIST's 95th percentile is eroded (a 3x3 minimum, one pixel off each
    side per step) toward MNIST's median; one thinner than the 5th percentile is dilated
    toward it. Erosion stops before it would remove more than half of the ink.
    """
    width = stroke_width(big)
    low, median, high = MNIST_STROKE
    if low <= width <= high:
        return big
    steps = round((width - median) * SUPERSAMPLE / 2)
    reduce = np.minimum if steps > 0 else np.maximum
    ink_before = np.count_nonzero(big > 0.5)
    for _ in range(abs(steps)):
        changed = _filter(big, 3, reduce)
        if reduce is np.minimum and np.count_nonzero(changed > 0.5) < ink_before / 2:
            break
        big = changed
    return big


def mnist_stroke_widths(images: np.ndarray) -> np.ndarray:
    """`stroke_width` of MNIST-style uint8 digits (N, 28, 28), as `_frame` measures them:
    float32 (N,), NaN for an image with no ink."""
    widths = []
    for image in images:
        ink = image.astype(np.float32) / 255.0
        if not ink.any():
            widths.append(np.nan)
            continue
        digit = _cropped(ink)
        big = _resized(digit, digit.shape[1] * SUPERSAMPLE, digit.shape[0] * SUPERSAMPLE,
                       Image.Resampling.LANCZOS)
        widths.append(stroke_width(big))
    return np.array(widths, np.float32)


def _cropped(ink: np.ndarray) -> np.ndarray:
    """The smallest box around the ink (H, W) of an image with some."""
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
