"""How real handwriting and photos differ from MNIST, made from MNIST digits on purpose.

Two kinds of variation, each a plain function of one uint8 (28, 28) digit (white on black):

- the digit itself: strokes thicker or thinner, turned, sheared, blurred, seen at low
  resolution (`thicker`, `thinner`, `rotated`, `sheared`, `blurred`, `low_resolution`);
- a picture of it, as a person would upload one (`photo`): dark ink on paper of any size,
  lit unevenly, on a darker desk, dim, or written faintly; and `drawing`: a digit drawn with a
  fixed pen (16 pixels, like the widget's canvas shows) at any size, uploaded as a picture.

`preprocess_digit` is measured on the pictures (tests/test_hostile_images.py, notebook 05),
the models on the digit variations (benchmarks/robust_cnn.py). Every function is
deterministic given its `rng`.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _image(digit: np.ndarray) -> Image.Image:
    return Image.fromarray(np.asarray(digit, np.uint8))


def thicker(digit: np.ndarray, pixels: int = 2) -> np.ndarray:
    """Strokes `pixels` wider, an even number (a maximum filter of size pixels + 1, one
    pixel on each side per 2): uint8 (28, 28)."""
    if pixels < 2 or pixels % 2:
        raise ValueError(f"pixels must be an even number >= 2 (a stroke grows on both sides), "
                         f"not {pixels}.")
    return np.asarray(_image(digit).filter(ImageFilter.MaxFilter(pixels + 1)))


def thinner(digit: np.ndarray) -> np.ndarray:
    """Strokes 2 pixels narrower (a 3x3 minimum filter), keeping MNIST's grey edges softened:
    uint8 (28, 28)."""
    return np.asarray(_image(digit).filter(ImageFilter.MinFilter(3)))


def rotated(digit: np.ndarray, degrees: float) -> np.ndarray:
    """Turned about the centre (counter-clockwise for positive degrees): uint8 (28, 28)."""
    return np.asarray(_image(digit).rotate(degrees, Image.Resampling.BILINEAR))


def sheared(digit: np.ndarray, shear: float) -> np.ndarray:
    """Slanted: each row shifted by shear x its distance from the centre row: uint8 (28, 28)."""
    matrix = (1.0, shear, -shear * 14.0, 0.0, 1.0, 0.0)
    return np.asarray(_image(digit).transform((28, 28), Image.Transform.AFFINE, matrix,
                                              Image.Resampling.BILINEAR))


def blurred(digit: np.ndarray, radius: float = 1.0) -> np.ndarray:
    """Gaussian blur of the given radius (pixels): uint8 (28, 28)."""
    return np.asarray(_image(digit).filter(ImageFilter.GaussianBlur(radius)))


def low_resolution(digit: np.ndarray, side: int = 8) -> np.ndarray:
    """Shrunk to side x side and enlarged back (a low-resolution camera): uint8 (28, 28)."""
    small = _image(digit).resize((side, side), Image.Resampling.BOX)
    return np.asarray(small.resize((28, 28), Image.Resampling.BILINEAR))


DIGIT_VARIATIONS = {
    "MNIST as it is": lambda d: d,
    "strokes 2 px thicker": thicker,
    "strokes 2 px thinner": thinner,
    "rotated 20 degrees": lambda d: rotated(d, 20),
    "sheared 0.3": lambda d: sheared(d, 0.3),
    "blurred (radius 1)": blurred,
    "8x8 and back": low_resolution,
}


def photo(digit: np.ndarray, rng: np.random.Generator, *, side: int = 300,
          light: tuple[float, float] = (0.55, 1.0), ink: float = 0.85, noise: float = 0.03,
          desk: float | None = None, paper: float = 1.0, digit_share: float = 1.0,
          fmt: str = "JPEG") -> bytes:
    """A photo of the digit written in dark ink on paper: the bytes of a JPEG (or PNG) file.

    Args:
        side: the photo's width and height in pixels.
        light: the light falls from light[0] (left) to light[1] (right), and by 20% from the
            bottom to the top: uneven, as in a photo taken by a window.
        ink: how much light the ink absorbs (0.85: a dark pen; 0.15: faint pencil).
        noise: the camera's noise (standard deviation, of the full range).
        desk: if given, the paper covers the middle 80% of the photo's width and height
            and a desk of this brightness shows around it.
        paper: the paper's brightness (1.0 white; 0.35: a dim photo).
        digit_share: the share of the photo's side the digit's 28x28 frame takes (centred).
    """
    frame = max(2, round(side * digit_share))
    strokes = np.zeros((side, side), np.float32)
    start = (side - frame) // 2
    strokes[start : start + frame, start : start + frame] = np.asarray(
        _image(digit).resize((frame, frame), Image.Resampling.BILINEAR), np.float32) / 255.0
    light_map = (np.linspace(*light, side)[None, :] * np.linspace(0.8, 1.0, side)[:, None])
    page = np.full((side, side), paper, np.float32)
    if desk is not None:
        edge = round(0.1 * side)
        page[:] = desk
        page[edge:-edge, edge:-edge] = paper
    picture = np.clip(page * (1 - ink * strokes) * light_map
                      + rng.normal(0, noise, strokes.shape), 0, 1)
    buffer = io.BytesIO()
    rgb = Image.fromarray((picture * 255).astype(np.uint8)).convert("RGB")
    rgb.save(buffer, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def drawing(digit: np.ndarray, *, height: int = 45, pen: float = 16.0, canvas: int = 224) -> bytes:
    """The digit as drawn with a fixed round pen (dark on white, anti-aliased) at a given height
    in pixels, as a PNG file: a drawing made elsewhere and uploaded. (The widget's canvas sends
    its points instead, and `strokes.draw_strokes` draws them again at MNIST's width.)

    MNIST's strokes are about 2.7 / 20 of the digit's height wide. Scaled to `height`, every
    stroke is widened with a round pen until it is `pen` pixels wide (the canvas's pen does
    not grow with the digit), drawn at 4x and shrunk, as a browser anti-aliases.
    """
    supersample = 4
    scale = height / 20.0 * supersample
    size = max(2, round(28 * scale))
    big = np.asarray(_image(digit).resize((size, size), Image.Resampling.BILINEAR), np.float32)
    strokes = big > 127
    grow = max(0.0, (pen * supersample - 2.7 * scale) / 2)  # extra pen radius on each side
    page = Image.new("L", (canvas * supersample, canvas * supersample), 255)
    page.paste(Image.fromarray(np.where(strokes, 0, 255).astype(np.uint8)),
               ((page.width - size) // 2, (page.height - size) // 2))
    if grow >= 1:
        edge = strokes & ~np.asarray(Image.fromarray(strokes.astype(np.uint8) * 255)
                                     .filter(ImageFilter.MinFilter(3)), bool)
        draw = ImageDraw.Draw(page)
        offset = (page.width - size) // 2
        for row, col in zip(*np.nonzero(edge), strict=True):
            x, y = offset + col + 0.5, offset + row + 0.5
            draw.ellipse((x - grow, y - grow, x + grow, y + grow), fill=0)
    small = page.resize((canvas, canvas), Image.Resampling.BOX)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG")
    return buffer.getvalue()

