"""Saving and loading trained models, safely.

Saves are atomic (a temporary file synced to disk, then renamed into place), so an interrupted
save never leaves a broken model behind. Before Keras opens a file, `load_model` checks that it
can be read and measures the zip archive it must be (`MODEL_FILE_MAX_BYTES`), so that a zip
bomb is refused unread. Loads use `safe_mode=True` and need no `custom_objects`: every custom
piece (SiameseModel, PairDistance, ContrastiveLoss, PairAccuracy) is a registered serializable
object. A model file saved before siamese_lib 0.2 (a functional model around one base network)
loads as a `SiameseModel` with the margin of its saved loss (else 1) and half of it as threshold.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras

from . import losses, model  # noqa: F401  (registers the custom objects before loading)
from .atomic import atomic_path
from .errors import ModelFileError
from .model import PairDistance
from .safe_files import check_zip_members, open_binary
from .siamese_model import SiameseModel

# A .keras file is a zip archive: config.json, metadata.json, model.weights.h5 (the shipped
# models unpack to under 2 MB). `load_model` refuses archives that would unpack to more than
# this, or that hold more members, before Keras opens them: raise the limits for a bigger model.
MODEL_FILE_MAX_BYTES = 1 << 30  # 1 GiB
MODEL_FILE_MAX_MEMBERS = 1000

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
        ModelFileError: no file there, a file that cannot be read (permissions), a file that is
            not a loadable `.keras` model, or an archive that would unpack to more than
            `MODEL_FILE_MAX_BYTES` (1 GiB) or holds more than `MODEL_FILE_MAX_MEMBERS` files
            (a zip bomb), refused before Keras opens it.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {path}. {HOW_TO_MAKE_ONE}")
    _check_archive(path)
    try:
        loaded = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as error:  # Keras raises many kinds of errors for a damaged archive
        raise ModelFileError(
            f"Could not load the model in {path} ({error}). {HOW_TO_MAKE_ONE}"
        ) from error
    return _upgraded(loaded)


def _check_archive(path: Path) -> None:
    """Refuse a file that cannot be read, is not a zip archive, or would unpack to too much."""
    with open_binary(path, ModelFileError) as stream:
        try:
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise ModelFileError(
                f"{path} is not a Keras 3 model file (a .keras file is a zip archive); it is "
                f"damaged or of another format ({error}). {HOW_TO_MAKE_ONE}"
            ) from error
        with archive:
            check_zip_members(archive, path, max_bytes=MODEL_FILE_MAX_BYTES,
                              max_members=MODEL_FILE_MAX_MEMBERS, error=ModelFileError,
                              limit_name="siamese_lib.persistence.MODEL_FILE_MAX_BYTES",
                              fix=f"Use another model file. {HOW_TO_MAKE_ONE}")


def _upgraded(loaded: keras.Model) -> keras.Model:
    """A model saved before siamese_lib 0.2 as a `SiameseModel`; any other model unchanged.

    Those files hold a functional model named "siamese": inputs image_a and image_b, ONE
    nested base network, and a `PairDistance` named "distance". Anything else (a
    pseudo-siamese model, your own model) is returned as it is.
    """
    if isinstance(loaded, SiameseModel) or loaded.name != "siamese":
        return loaded
    bases = [layer for layer in loaded.layers if isinstance(layer, keras.Model)]
    distances = [layer for layer in loaded.layers if isinstance(layer, PairDistance)]
    if len(loaded.inputs) != 2 or len(bases) != 1 or len(distances) != 1:
        return loaded
    margin = getattr(loaded.loss, "margin", 1.0)  # the compiled ContrastiveLoss, if saved
    upgraded = SiameseModel(bases[0], distances[0].metric, margin=margin)
    upgraded.distance_layer.epsilon = distances[0].epsilon
    upgraded.build([tuple(loaded.inputs[0].shape), tuple(loaded.inputs[1].shape)])
    return upgraded
