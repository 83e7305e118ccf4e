"""A drawing as the canvas records it, strokes of points, drawn again at MNIST's stroke width.

The canvas's pen has a fixed width (16 pixels on a 224-pixel box). A digit drawn 45 pixels tall
with it has strokes a third of its height wide, where MNIST's are about 2.7 / 20 of the
digit's size, and a small 8 fills its own loops. So the canvas sends its points, not its
pixels, and `draw_strokes` draws them again with a round pen whose width is a fixed share of
the drawing's size, anti-aliased (drawn at 4x, then shrunk), as a browser draws. Explained in
notebooks/05_compare_pairs.ipynb.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from .errors import ImageFileError
from .preprocessing import DIGIT_SIDE, MNIST_STROKE

PEN_SHARE = MNIST_STROKE[1] / DIGIT_SIDE  # pen width / the drawing's longest side: MNIST's
SMALL_DRAWING = 0.25  # a drawing whose longest side is under a quarter of the box is "small"
MAX_POINTS = 20_000  # more points than this is not a drawing of one digit
SUPERSAMPLE = 4


def check_strokes(strokes, *, side: int = 224) -> list[np.ndarray]:
    """Strokes as float64 arrays (P, 2) of x, y in pixels; refuses anything else, naming it.

    Args:
        strokes: a list of strokes, each a list of [x, y] points (what the canvas sends).
        side: the canvas's side; points must lie within it (a pixel of slack).
    """
    if not isinstance(strokes, list | tuple):
        raise ImageFileError(f"strokes must be a list of strokes, got {type(strokes).__name__}.")
    checked, total = [], 0
    for number, stroke in enumerate(strokes):
        try:
            points = np.asarray(stroke, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ImageFileError(f"stroke {number} is not a list of [x, y] numbers.") from error
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ImageFileError(f"stroke {number} must be a list of [x, y] points, got shape "
                                 f"{points.shape}.")
        if not np.isfinite(points).all() or points.min() < -1 or points.max() > side + 1:
            raise ImageFileError(f"stroke {number} has points outside the {side}-pixel canvas.")
        total += len(points)
        checked.append(points)
    if total > MAX_POINTS:
        raise ImageFileError(f"the drawing has {total} points, more than {MAX_POINTS}: clear "
                             "the canvas and draw one digit.")
    return checked


def drawing_size(strokes: list[np.ndarray]) -> float:
    """The longest side of the box around every point, in canvas pixels (0 for no points)."""
    if not strokes:
        return 0.0
    points = np.concatenate(strokes)
    return float(np.ptp(points, axis=0).max())


def draw_strokes(strokes, *, side: int = 224) -> np.ndarray:
    """The strokes drawn white on black with a round pen PEN_SHARE of the drawing's size wide.

    Returns:
        float32 (side, side) in [0, 1], anti-aliased: ready for `preprocess_digit`.
    """
    strokes = check_strokes(strokes, side=side)
    pen = max(1.0, PEN_SHARE * drawing_size(strokes)) * SUPERSAMPLE
    page = Image.new("L", (side * SUPERSAMPLE, side * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(page)
    radius = pen / 2
    for stroke in strokes:
        points = [tuple(p) for p in stroke * SUPERSAMPLE]
        if len(points) > 1:
            draw.line(points, fill=255, width=max(1, math.ceil(pen)), joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    small = page.resize((side, side), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0
