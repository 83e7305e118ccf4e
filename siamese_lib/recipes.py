"""Training recipes, each written down once: the seed's, and the CNN that goes beyond it.

    model, history = train_recipe("cnn", x_train, y_train)

Used by `make models` (siamese_lib.pretrained), `make bench` and notebook 06.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from .model import build_siamese
from .training import seed_everything, train

RECIPES = {
    "seed": "the seed's recipe: MLP, RMSprop (defaults), batch 128, 20 epochs x 60,000 "
            "fresh pairs, margin 1",
    "cnn": "small CNN (three convolutions) with unit-length embeddings, Adam with cosine "
           "decay from 0.002, batch 128, 12 epochs x 60,000 fresh pairs shifted by up to 2 "
           "pixels, margin 1",
}
CNN_EPOCHS = 12
CNN_LEARNING_RATE = 0.002
CNN_SHIFT = 2


def cnn_optimizer(epochs: int = CNN_EPOCHS, pairs_per_epoch: int = 60_000,
                  batch_size: int = 128) -> keras.optimizers.Optimizer:
    """Adam whose learning rate falls from 0.002 to 0 along a cosine over the whole run."""
    steps = epochs * math.ceil(pairs_per_epoch / batch_size)
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(CNN_LEARNING_RATE, steps))


def train_recipe(
    name: str, x_train: np.ndarray, y_train: np.ndarray, *, epochs: int | None = None,
    distance: str = "euclidean", margin: float = 1.0, seed: int = 0, **train_args,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Build and train the model of a named recipe (see `RECIPES`).

    Args:
        name: `"seed"` or `"cnn"`.
        epochs: override the recipe's number of epochs (e.g. for a quick look).
        distance, margin: the distance mapping and the contrastive margin.
        train_args: passed on to `train` (validation_data, verbose, callbacks, threshold, ...).

    Returns:
        `(model, history)`.
    """
    if name not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}, not {name!r}.")
    seed_everything(seed)
    if name == "seed":
        model = build_siamese("mlp", distance)
        history = train(model, x_train, y_train, epochs=epochs or 20, margin=margin, seed=seed,
                        **train_args)
    else:
        epochs = epochs or CNN_EPOCHS
        model = build_siamese("cnn", distance)
        optimizer = cnn_optimizer(epochs, train_args.get("pairs_per_epoch", 60_000),
                                  train_args.get("batch_size", 128))
        history = train(model, x_train, y_train, epochs=epochs, margin=margin, seed=seed,
                        optimizer=optimizer, shift=CNN_SHIFT, **train_args)
    return model, history
