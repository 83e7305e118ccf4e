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

from . import omniglot, places, recipes  # noqa: E402
from .class_batches import ClassBatches, random_affine  # noqa: E402
from .embeddings import embed, explained_variance, pca_2d  # noqa: E402
from .errors import DataFileError, ImageFileError, ModelFileError, SiameseLibError  # noqa: E402
from .image_files import export_image_folder, load_digit_image, load_image_folder  # noqa: E402
from .losses import (  # noqa: E402
    BatchContrastiveLoss,
    ContrastiveLoss,
    PairAccuracy,
    TripletLoss,
    contrastive_loss,
    loss_and_gradient,
    pair_accuracy,
    pairwise_distances,
)
from .mnist import load_mnist, write_idx  # noqa: E402
from .model import PairDistance, build_base_network, build_pseudo_siamese, to_model_input  # noqa: E402
from .neighbours import choose_k, knn_classify, majority_vote, nearest_neighbours  # noqa: E402
from .one_shot import (  # noqa: E402
    OneShotRun,
    embedding_distances,
    make_episodes,
    mean_with_interval,
    one_shot_accuracy,
    pixel_distances,
)
from .pair_dataset import distributed_pair_dataset, pair_dataset  # noqa: E402
from .pairs import PairStream, make_pair_indices, make_pairs  # noqa: E402
from .persistence import load_model, save_model  # noqa: E402
from .preprocessing import preprocess_digit  # noqa: E402
from .siamese_model import SiameseModel, build_siamese  # noqa: E402
from .training import is_chief, seed_everything, train, train_embedding  # noqa: E402
from .verification import (  # noqa: E402
    PairEvaluation,
    accuracy_vs_threshold,
    auc,
    calibrate_threshold,
    evaluate_pairs,
    hardest_pairs,
    pair_distances,
    roc_curve,
)
from .writers import DigitWriters, load_test_writers  # noqa: E402

__version__ = "0.2.0"


def __getattr__(name: str):
    """`sl.plotting` loads on first use, so that importing the library does not start
    matplotlib (scripts, tests and CI that draw nothing skip it)."""
    if name == "plotting":
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BatchContrastiveLoss",
    "ClassBatches",
    "ContrastiveLoss",
    "DataFileError",
    "DigitWriters",
    "ImageFileError",
    "ModelFileError",
    "OneShotRun",
    "PairAccuracy",
    "PairDistance",
    "PairEvaluation",
    "PairStream",
    "SiameseLibError",
    "SiameseModel",
    "TripletLoss",
    "accuracy_vs_threshold",
    "auc",
    "build_base_network",
    "build_pseudo_siamese",
    "build_siamese",
    "calibrate_threshold",
    "choose_k",
    "contrastive_loss",
    "distributed_pair_dataset",
    "embed",
    "embedding_distances",
    "evaluate_pairs",
    "explained_variance",
    "export_image_folder",
    "hardest_pairs",
    "is_chief",
    "knn_classify",
    "load_digit_image",
    "load_image_folder",
    "load_mnist",
    "load_model",
    "load_test_writers",
    "loss_and_gradient",
    "majority_vote",
    "make_episodes",
    "make_pair_indices",
    "make_pairs",
    "mean_with_interval",
    "nearest_neighbours",
    "omniglot",
    "one_shot_accuracy",
    "pair_accuracy",
    "pair_dataset",
    "pair_distances",
    "pairwise_distances",
    "pca_2d",
    "pixel_distances",
    "places",
    "plotting",
    "preprocess_digit",
    "random_affine",
    "recipes",
    "roc_curve",
    "save_model",
    "seed_everything",
    "to_model_input",
    "train",
    "train_embedding",
    "write_idx",
]
