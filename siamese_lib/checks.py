"""Argument checks shared by the library's functions: each names the argument it refuses.

    n_pairs = whole_number("n_pairs", n_pairs, minimum=0)    # an int, never a bool or 2.5
    margin = real_number("margin", margin, above=0.0)        # finite, > 0
    y = class_labels("y", y)                                 # 1-D integer labels
    same_length("x", x, "y", y, nouns=("images", "labels"))  # one label per image
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def whole_number(name: str, value, *, minimum: int = 1) -> int:
    """`value` as a Python int, checked to be a whole number >= `minimum`.

    Python and numpy integers pass; bools (`True` is 1 by accident), floats (even 2.0) and
    strings are refused.

    Raises:
        ValueError: naming `name`, the value given and what is needed.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number (an int) of at least {minimum}, "
                         f"got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def real_number(name: str, value, *, minimum: float | None = None,
                above: float | None = None) -> float:
    """`value` as a finite Python float, checked to be >= `minimum` and > `above` (if given).

    Raises:
        ValueError: naming `name`: not a real number (bools and strings are refused), NaN or
            infinite, or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r} ({type(value).__name__}).")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    if above is not None and value <= above:
        raise ValueError(f"{name} must be greater than {above}, got {value}.")
    return float(value)


def class_labels(name: str, y) -> np.ndarray:
    """`y` as a non-empty 1-D numpy array of integer class labels (any integer dtype).

    Bool and float labels are refused: a float array is usually pair labels (1.0 / 0.0) or
    images passed by mistake, and a bool array a mask.

    Raises:
        ValueError: naming `name`, with the shape or dtype found.
    """
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of labels, got shape {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class labels (e.g. the uint8 digits of "
                         f"load_mnist), got dtype {y.dtype}. Whole numbers stored as floats: "
                         f"pass {name}.astype(int).")
    return y


def same_length(first_name: str, first, second_name: str, second, *,
                nouns: tuple[str, str] = ("items", "items")) -> None:
    """Check that `first` and `second` have the same length, e.g. images and their labels.

    Raises:
        ValueError: naming both arguments and their lengths, in `nouns` ("images", "labels").
    """
    if len(first) != len(second):
        raise ValueError(f"{first_name} has {len(first)} {nouns[0]} but {second_name} has "
                         f"{len(second)} {nouns[1]}: they must have the same length.")
