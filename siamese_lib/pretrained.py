"""The pretrained models shipped with the project, so notebook 05 runs on its own.

    make models        # = python -m siamese_lib.pretrained: retrain both and overwrite them
    .venv/bin/python -m siamese_lib.pretrained cnn      # just one

They ship inside the package, in `siamese_lib/data/pretrained/`: `mlp_blog_recipe.keras` is the
blog's recipe (notebook 04) and `cnn.keras` the CNN recipe (notebook 06), both from
`siamese_lib.recipes.train_recipe` with seed 0; `omniglot.keras` is the
Omniglot recipe (notebook 07, `siamese_lib.recipes.train_omniglot`, seed 0), whose card gives
its accuracy on the 20 official one-shot runs. The `.json` card beside each states its test
pair accuracy on the 10,000 test pairs of `evaluate_pairs(..., seed=1)`, its threshold, and
when and where it was trained.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np

from . import omniglot
from .atomic import atomic_path
from .mnist import load_mnist
from .one_shot import embedding_distances, one_shot_accuracy
from .persistence import load_model, save_model
from .places import models_dir, shipped, source_checkout
from .recipes import (
    OMNIGLOT_RECIPE,
    OMNIGLOT_SIZE,
    OMNIGLOT_VALIDATION_ALPHABETS,
    RECIPES,
    train_omniglot,
    train_recipe,
)
from .siamese_model import SiameseModel
from .verification import evaluate_pairs

MODELS_DIR = models_dir()  # your own models (see siamese_lib.places)
PRETRAINED_DIR = shipped("pretrained")
NAME = "mlp_blog_recipe"
VALIDATION_SIZE = 5_000  # held out: the last 5,000 training images, to calibrate on

# name -> recipe. Both MNIST models train on the first 55,000 training images and calibrate
# their threshold on the other 5,000 (the blog trained on all 60,000 and kept 0.5: the MLP
# keeps the blog's recipe otherwise, and its card gives its accuracy at 0.5 too).
SHIPPED = {"mlp_blog_recipe": "blog", "cnn": "cnn", "omniglot": "omniglot"}


def model_card(name: str = NAME) -> dict:
    """A shipped model's card: its stated test pair accuracy and how it was made."""
    return json.loads((PRETRAINED_DIR / f"{name}.json").read_text())


def load_tutorial_model(name: str = NAME) -> tuple[keras.Model, Path]:
    """The model you trained in the notebooks (`<models_dir()>/<name>.keras`), else the shipped one.

    Returns:
        `(model, path)`: the loaded model and the file it came from.
    """
    own = MODELS_DIR / f"{name}.keras"
    path = own if own.is_file() else PRETRAINED_DIR / f"{name}.keras"
    return load_model(path), path


def make_pretrained(name: str = NAME) -> dict:
    """Train a shipped model's recipe, save it into siamese_lib/data/pretrained/, and write its
    card (run from a source checkout: an installed package is not written into)."""
    if source_checkout() is None:
        raise RuntimeError("make_pretrained writes into siamese_lib/data/pretrained/: run it from "
                           "a clone of the repository (make models), not an installed package.")
    recipe = SHIPPED[name]
    if recipe == "omniglot":
        return _save(name, *_train_omniglot_card())
    (x_all, y_all), (x_test, y_test) = load_mnist()
    x_train, y_train = x_all[:-VALIDATION_SIZE], y_all[:-VALIDATION_SIZE]
    start = time.perf_counter()
    model, _ = train_recipe(recipe, x_train, y_train, verbose=2)
    seconds = time.perf_counter() - start
    card = {
        "model": f"{name}.keras",
        "recipe": RECIPES[recipe] + " (siamese_lib.recipes.train_recipe, seed 0)",
        "training_images": len(x_train),
        "test_pair_accuracy": round(evaluate_pairs(model, x_test, y_test, seed=1).accuracy, 4),
        "threshold": model.threshold,
        "evaluation": "siamese_lib.evaluate_pairs(model, x_test, y_test, n_pairs=10_000, "
                      "threshold=0.5, seed=1)",
    }
    calibrate_on_held_out(model, x_all, y_all)
    card["threshold"] = round(model.threshold, 4)
    card["calibration"] = CALIBRATION
    card["test_pair_accuracy_at_threshold"] = round(
        model.evaluate_pairs(x_test, y_test, seed=1).accuracy, 4)
    card.update(_when_and_where(seconds))
    return _save(name, model, card)


CALIBRATION = ("model.calibrate on 10,000 pairs of the last 5,000 training images (never used "
               "for training, seed 2); the model file keeps the threshold")


def calibrate_on_held_out(model: SiameseModel, x_all: np.ndarray, y_all: np.ndarray) -> float:
    """Set a shipped model's threshold: calibrated on the 5,000 training images it never saw."""
    threshold, _ = model.calibrate(x_all[-VALIDATION_SIZE:], y_all[-VALIDATION_SIZE:], seed=2)
    return threshold


def _train_omniglot_card(seed: int = 0) -> tuple[keras.Model, dict]:
    """Train the Omniglot recipe on all 8 background alphabets; score it on the 20 runs."""
    background = omniglot.load_background(size=OMNIGLOT_SIZE)
    start = time.perf_counter()
    model, _ = train_omniglot(background, seed=seed, verbose=2)
    seconds = time.perf_counter() - start
    runs = omniglot.load_one_shot_runs(size=OMNIGLOT_SIZE)
    accuracy, per_run = one_shot_accuracy(runs, embedding_distances(model.base_network))
    card = {
        "model": "omniglot.keras",
        "recipe": OMNIGLOT_RECIPE + f" (siamese_lib.recipes.train_omniglot, seed {seed})",
        "training_images": len(background.images),
        "training_data": "both minimal Omniglot background sets: 8 alphabets, 242 characters",
        "choices": "base network, loss, rotated classes, distortions, batch make-up and "
                   "epochs chosen on 20-way one-shot episodes of the background alphabets "
                   f"{' and '.join(OMNIGLOT_VALIDATION_ALPHABETS)}, held out "
                   "(benchmarks/omniglot_choices.py); margins, learning rate, batch shape and "
                   "distortion ranges are common defaults, not tuned; the final model trains "
                   "on all 8 alphabets",
        "input_size": OMNIGLOT_SIZE,
        "one_shot_accuracy": round(accuracy, 4),
        "one_shot_accuracy_per_run": [round(float(a), 2) for a in per_run],
        "evaluation": "siamese_lib.one_shot_accuracy(omniglot.load_one_shot_runs(size=28), "
                      "embedding_distances(model.base_network)): the 20 official 20-way runs",
        **_when_and_where(seconds),
    }
    return model, card


def machine() -> str:
    """This machine, as the cards and benchmark results name it."""
    return (f"{os.cpu_count()} CPU cores, {platform.machine()}, "
            f"Python {platform.python_version()}, Keras {keras.__version__}")


def _when_and_where(seconds: float) -> dict:
    return {"trained": time.strftime("%Y-%m-%d"), "training_seconds": round(seconds),
            "machine": machine()}


def _save(name: str, model: keras.Model, card: dict) -> dict:
    """Save a model and its card into siamese_lib/data/pretrained/, both atomically."""
    save_model(model, PRETRAINED_DIR / f"{name}.keras")
    with atomic_path(PRETRAINED_DIR / f"{name}.json") as tmp:
        tmp.write_text(json.dumps(card, indent=2) + "\n")
    return card


if __name__ == "__main__":
    import sys

    for shipped in sys.argv[1:] or SHIPPED:
        print(json.dumps(make_pretrained(shipped), indent=2))
