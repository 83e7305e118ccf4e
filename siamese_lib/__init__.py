"""siamese_lib: the helper library of the "Siamese networks on MNIST" notebook series.

Label convention everywhere: 1.0 = same digit, 0.0 = different digits.
"""

import os

# Before TensorFlow loads: quiet its C++ log lines, and pin Keras to the TensorFlow backend.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from .errors import DataFileError, ImageFileError, ModelFileError, SiameseLibError  # noqa: E402
from .evaluation import PairEvaluation, evaluate_pairs, pair_distances  # noqa: E402
from .image_files import export_image_folder, load_digit_image, load_image_folder  # noqa: E402
from .losses import ContrastiveLoss, PairAccuracy, contrastive_loss, pair_accuracy  # noqa: E402
from .mnist import load_mnist, write_idx  # noqa: E402
from .model import (  # noqa: E402
    PairDistance,
    base_network_of,
    build_base_network,
    build_siamese,
    to_model_input,
)
from .pairs import PairStream, make_pair_indices, make_pairs  # noqa: E402
from .persistence import load_model, save_model  # noqa: E402
from .training import seed_everything, train  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ContrastiveLoss",
    "DataFileError",
    "ImageFileError",
    "ModelFileError",
    "PairAccuracy",
    "PairDistance",
    "PairEvaluation",
    "PairStream",
    "SiameseLibError",
    "base_network_of",
    "build_base_network",
    "build_siamese",
    "contrastive_loss",
    "evaluate_pairs",
    "export_image_folder",
    "load_digit_image",
    "load_image_folder",
    "load_mnist",
    "load_model",
    "make_pair_indices",
    "make_pairs",
    "pair_accuracy",
    "pair_distances",
    "save_model",
    "seed_everything",
    "to_model_input",
    "train",
    "write_idx",
]
