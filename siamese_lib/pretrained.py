"""The pretrained model shipped with the project, so notebook 05 runs without notebook 04.

    make models        # = python -m siamese_lib.pretrained: retrain and overwrite it

`models/pretrained/mlp_seed_recipe.keras` is the seed's recipe trained by `train()` with its
defaults (seed 0); `mlp_seed_recipe.json` beside it states its test pair accuracy on the
10,000 test pairs of `evaluate_pairs(..., seed=1)`, and when and where it was trained.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import keras

from .atomic import atomic_path
from .evaluation import evaluate_pairs
from .mnist import load_mnist
from .model import build_siamese
from .persistence import load_model, save_model
from .training import seed_everything, train

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
PRETRAINED_DIR = MODELS_DIR / "pretrained"
NAME = "mlp_seed_recipe"


def model_card(name: str = NAME) -> dict:
    """The shipped model's card: its stated test pair accuracy and how it was made."""
    return json.loads((PRETRAINED_DIR / f"{name}.json").read_text())


def load_tutorial_model(name: str = NAME) -> tuple[keras.Model, Path]:
    """The model you trained in notebook 04 (`models/<name>.keras`), else the shipped one.

    Returns:
        `(model, path)`: the loaded model and the file it came from.
    """
    own = MODELS_DIR / f"{name}.keras"
    path = own if own.is_file() else PRETRAINED_DIR / f"{name}.keras"
    return load_model(path), path


def make_pretrained(name: str = NAME) -> dict:
    """Train the seed's recipe, save it into models/pretrained/, and write its card."""
    (x_train, y_train), (x_test, y_test) = load_mnist()
    seed_everything(0)
    model = build_siamese("mlp")
    start = time.perf_counter()
    train(model, x_train, y_train, seed=0, verbose=2)
    seconds = time.perf_counter() - start
    result = evaluate_pairs(model, x_test, y_test, n_pairs=10_000, seed=1)
    save_model(model, PRETRAINED_DIR / f"{name}.keras")
    card = {
        "model": f"{name}.keras",
        "recipe": "seed recipe: MLP, RMSprop, batch 128, 20 epochs, 60,000 fresh pairs per "
                  "epoch, margin 1 (siamese_lib.train defaults, seed 0)",
        "test_pair_accuracy": round(result.accuracy, 4),
        "evaluation": "siamese_lib.evaluate_pairs(model, x_test, y_test, n_pairs=10_000, "
                      "threshold=0.5, seed=1)",
        "trained": time.strftime("%Y-%m-%d"),
        "training_seconds": round(seconds),
        "machine": f"{os.cpu_count()} CPU cores, {platform.machine()}, "
                   f"Python {platform.python_version()}, Keras {keras.__version__}",
    }
    with atomic_path(PRETRAINED_DIR / f"{name}.json") as tmp:
        tmp.write_text(json.dumps(card, indent=2) + "\n")
    return card


if __name__ == "__main__":
    print(json.dumps(make_pretrained(), indent=2))
