"""Saving and loading trained models, safely.

Saves are atomic (a temporary file renamed into place), so an interrupted save never leaves a
broken model behind. Loads use `safe_mode=True` and need no `custom_objects`: every custom
piece (PairDistance, ContrastiveLoss, PairAccuracy) is a registered serializable object.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras

from . import losses, model  # noqa: F401  (registers the custom objects before loading)
from .atomic import atomic_path
from .errors import ModelFileError

HOW_TO_MAKE_ONE = (
    "Train and save one with notebooks/04_training.ipynb, or in Python: "
    "model = build_siamese(); train(model, x_train, y_train); save_model(model, path)."
)


def save_model(model_to_save: keras.Model, path: str | os.PathLike) -> Path:
    """Save a model to a `.keras` file, atomically. Creates missing folders. Returns the path."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Model files end in .keras (Keras 3 format); got {path}.")
    with atomic_path(path) as tmp:
        model_to_save.save(tmp)
    return path


def load_model(path: str | os.PathLike, *, compile: bool = True) -> keras.Model:
    """Load a model saved by `save_model`, with `safe_mode=True` and no `custom_objects`.

    Raises:
        ModelFileError: no file there, or the file is not a loadable `.keras` model.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {path}. {HOW_TO_MAKE_ONE}")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            f"{path} is not a Keras 3 model file (a .keras file is a zip archive); it is "
            f"damaged or of another format. {HOW_TO_MAKE_ONE}"
        )
    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as error:  # Keras raises many kinds of errors for a damaged archive
        raise ModelFileError(
            f"Could not load the model in {path} ({error}). {HOW_TO_MAKE_ONE}"
        ) from error
