"""Training a Siamese model, by default with the blog's recipe.

The blog: RMSprop with default settings, batch 128, 20 epochs, 60,000 random pairs, contrastive
loss with margin 1, accuracy at threshold 0.5. Explained in notebooks/04_training.ipynb.
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import tensorflow as tf

from .losses import contrastive_loss, pair_accuracy
from .pairs import PairStream
from .quiet import quiet_native_stderr


def seed_everything(seed: int = 0) -> None:
    """Seed Python, numpy and Keras, and make TensorFlow's ops deterministic.

    Call it before building a model as well, so that the initial weights are the same too.
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def train(
    model: keras.Model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    epochs: int = 20,
    batch_size: int = 128,
    pairs_per_epoch: int = 60_000,
    margin: float = 1.0,
    threshold: float = 0.5,
    optimizer: keras.optimizers.Optimizer | str | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    validation_pairs: int = 10_000,
    seed: int = 0,
    verbose: int = 2,
    callbacks: list[keras.callbacks.Callback] | None = None,
    strategy: tf.distribute.Strategy | None = None,
    shift: int = 0,
) -> keras.callbacks.History:
    """Compile `model` with the contrastive loss and pair accuracy, then fit it on fresh pairs.

    Args:
        model: a model `[a, b] -> distance (batch, 1)`, e.g. from `build_siamese()`.
        x_train: training images, uint8 (N, 28, 28) or float (N, 28, 28[, 1]) in [0, 1].
        y_train: their digit labels (N,).
        epochs, batch_size, pairs_per_epoch, margin, threshold: the blog's recipe by default.
            Every epoch draws `pairs_per_epoch` new pairs, half of them same-digit.
        optimizer: default `keras.optimizers.RMSprop()` with its default settings (the blog's).
        validation_data: optional `(x_val, y_val)` images and labels; `validation_pairs`
            fixed pairs are drawn from them once, and `val_loss` / `val_pair_accuracy` are
            reported every epoch. Pass images held out from training (a validation split),
            never the test split: the curve is watched, and choices made on it.
        seed: seeds the pairs, the dropout and TensorFlow (see `seed_everything`).
        verbose: Keras' verbosity; 2 prints one line per epoch (no progress bars).
        callbacks: extra Keras callbacks.
        strategy: a `tf.distribute` strategy, e.g. `tf.distribute.MirroredStrategy()` to train
            on several GPUs. Nothing else changes: a copy of `model` is built and trained
            inside `strategy.scope()` (Keras ties variables to the strategy that made them),
            and its trained weights are copied back into `model`. `batch_size` stays the
            global batch, split across the devices.
        shift: augmentation: random translations of the training images by up to `shift`
            pixels (see `PairStream`); 0 (the blog's recipe) for none.

    Returns:
        The Keras `History`: `history.history["loss"]`, `["pair_accuracy"]`, and with
        validation data `["val_loss"]`, `["val_pair_accuracy"]`, one value per epoch.
    """
    seed_everything(seed)
    trained = model
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        if strategy is not None:
            trained = keras.models.clone_model(model)
            trained.set_weights(model.get_weights())
        trained.compile(
            optimizer=optimizer if optimizer is not None else keras.optimizers.RMSprop(),
            loss=contrastive_loss(margin),
            metrics=[pair_accuracy(threshold)],
        )
    pairs = PairStream(
        x_train, y_train, pairs_per_epoch=pairs_per_epoch, batch_size=batch_size, seed=seed,
        shift=shift,
    )
    validation = None
    if validation_data is not None:
        x_val, y_val = validation_data
        validation = PairStream(
            x_val, y_val, pairs_per_epoch=validation_pairs, batch_size=1024,
            seed=seed + 1, fresh_each_epoch=False,
        )
    with quiet_native_stderr():  # tf.data's native log line on its first generator
        history = trained.fit(
            pairs, epochs=epochs, validation_data=validation, verbose=verbose,
            callbacks=callbacks,
        )
    if trained is not model:
        model.set_weights(trained.get_weights())
    return history


def train_embedding(
    base_network: keras.Model,
    batches: keras.utils.PyDataset,
    *,
    loss: keras.losses.Loss,
    epochs: int,
    learning_rate: float = 0.002,
    seed: int = 0,
    verbose: int = 2,
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> keras.callbacks.History:
    """Train a base network directly on batches of classes with a batch loss.

    The network is still used as a Siamese network afterwards (`build_siamese(base_network)`):
    one set of weights, images compared by the distance of their embeddings. Only the way
    pairs are formed differs: every image of a batch is compared with every other one.
    Explained in notebooks/07_one_shot.ipynb.

    Args:
        base_network: maps float32 images (B, H, W, 1) in [0, 1] to embeddings (B, D).
        batches: yields `(images, class_labels)`, e.g. a `ClassBatches`.
        loss: `BatchContrastiveLoss` or `TripletLoss` (labels (B,), embeddings (B, D)).
        epochs: passes over `batches`; the learning rate of Adam falls from `learning_rate`
            to 0 along a cosine over the whole run.
        seed: seeds the initial state of Keras and TensorFlow (see `seed_everything`);
            the batches have their own seed.

    Returns:
        The Keras `History` (`history.history["loss"]`, one value per epoch).
    """
    seed_everything(seed)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * len(batches))
    base_network.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss)
    with quiet_native_stderr():
        return base_network.fit(batches, epochs=epochs, verbose=verbose, callbacks=callbacks)
