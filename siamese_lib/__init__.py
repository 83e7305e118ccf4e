"""siamese_lib: the helper library of the "Siamese networks on MNIST" notebook series.

Label convention everywhere: 1.0 = same digit, 0.0 = different digits.
"""

import os

# Before TensorFlow loads: quiet its C++ log lines, and pin Keras to the TensorFlow backend.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from .quiet import quiet_native_stderr  # noqa: E402

with quiet_native_stderr():  # TensorFlow's start-up lines (see quiet.py)
    import tensorflow as _tf

    _tf.config.list_physical_devices()

from . import plotting, recipes  # noqa: E402
from .errors import DataFileError, ImageFileError, ModelFileError, SiameseLibError  # noqa: E402
from .evaluation import (  # noqa: E402
    PairEvaluation,
    accuracy_vs_threshold,
    auc,
    calibrate_threshold,
    choose_k,
    embed,
    evaluate_pairs,
    hardest_pairs,
    knn_classify,
    majority_vote,
    nearest_neighbours,
    pair_distances,
    pca_2d,
    roc_curve,
)
from .image_files import export_image_folder, load_digit_image, load_image_folder  # noqa: E402
from .losses import (  # noqa: E402
    ContrastiveLoss,
    PairAccuracy,
    contrastive_loss,
    loss_and_gradient,
    pair_accuracy,
)
from .mnist import load_mnist, write_idx  # noqa: E402
from .model import (  # noqa: E402
    PairDistance,
    base_network_of,
    build_base_network,
    build_pseudo_siamese,
    build_siamese,
    to_model_input,
)
from .pairs import PairStream, make_pair_indices, make_pairs  # noqa: E402
from .persistence import load_model, save_model  # noqa: E402
from .preprocessing import preprocess_digit  # noqa: E402
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
    "accuracy_vs_threshold",
    "auc",
    "base_network_of",
    "build_base_network",
    "build_pseudo_siamese",
    "build_siamese",
    "calibrate_threshold",
    "choose_k",
    "contrastive_loss",
    "embed",
    "evaluate_pairs",
    "export_image_folder",
    "hardest_pairs",
    "knn_classify",
    "load_digit_image",
    "load_image_folder",
    "load_mnist",
    "load_model",
    "loss_and_gradient",
    "majority_vote",
    "make_pair_indices",
    "make_pairs",
    "nearest_neighbours",
    "pair_accuracy",
    "pair_distances",
    "pca_2d",
    "plotting",
    "preprocess_digit",
    "recipes",
    "roc_curve",
    "save_model",
    "seed_everything",
    "to_model_input",
    "train",
    "write_idx",
]
