"""Training a Siamese model, by default with the blog's recipe.

The blog: RMSprop with default settings, batch 128, 20 epochs, 60,000 random pairs, contrastive
loss with margin 1, accuracy at threshold 0.5. Explained in notebooks/04_training.ipynb.
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from .checks import class_labels, real_number, same_length, whole_number
from .losses import ContrastiveLoss, PairAccuracy
from .model import check_pixel_values
from .pair_dataset import (
    distributed_pair_dataset,
    pair_dataset,
    shuffled_batch_orders,
)
from .pairs import steps_per_epoch
from .siamese_model import SiameseModel


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
    margin: float | None = None,
    threshold: float | None = None,
    optimizer: keras.optimizers.Optimizer | str | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    validation_pairs: int = 10_000,
    seed: int = 0,
    verbose: int = 2,
    callbacks: list[keras.callbacks.Callback] | None = None,
    strategy: tf.distribute.Strategy | None = None,
    shift: int = 0,
    augment: bool = False,
) -> keras.callbacks.History:
    """Compile `model` with the contrastive loss and pair accuracy, then fit it on fresh pairs.

    Args:
        model: a `SiameseModel` (from `build_siamese()`), or any model `[a, b] -> distance
            (batch, 1)`.
        x_train: training images, uint8 (N, 28, 28) or float (N, 28, 28[, 1]) in [0, 1].
        y_train: their digit labels (N,).
        epochs, batch_size, pairs_per_epoch: the blog's recipe by default. Every epoch draws
            `pairs_per_epoch` new pairs, half of them same-digit.
        margin, threshold: the contrastive loss's margin and the pair accuracy's threshold;
            by default a `SiameseModel`'s own (the blog's 1 and 0.5 unless set), else 1 and
            0.5. A `SiameseModel` keeps the margin and threshold it was trained with.
        optimizer: default `keras.optimizers.RMSprop()` with its default settings (the blog's).
        validation_data: optional `(x_val, y_val)` images and labels; `validation_pairs`
            fixed pairs are drawn from them once, and `val_loss` / `val_pair_accuracy` are
            reported every epoch. Pass images held out from training (a validation split),
            never the test split: the curve is watched, and choices made on it.
        seed: seeds the pairs, the dropout and TensorFlow (see `seed_everything`).
        verbose: Keras' verbosity; 2 prints one line per epoch (no progress bars).
        callbacks: extra Keras callbacks.
        strategy: a `tf.distribute` strategy: `tf.distribute.MirroredStrategy()` for the GPUs
            of one machine, `tf.distribute.MultiWorkerMirroredStrategy()` for several
            machines (one process each, told about the others by `TF_CONFIG`; see the README).
            A copy of `model` is built, compiled and trained inside `strategy.scope()` (Keras
            ties variables to the strategy that made them), and its trained weights are copied
            back into `model` (which itself stays uncompiled). `batch_size` stays the global
            batch: each batch is cut into one equal piece per device (the number of devices
            must divide it), each worker builds only its own pieces (see `pair_dataset`), so
            together they train on the pairs of a single-device run.
            An optimizer object you pass is made anew from its config inside the scope (its
            state is not carried over). Save the model on the chief worker only
            (`is_chief(strategy)`).
        shift: augmentation: random translations of the training images by up to `shift`
            pixels (see `PairStream`); 0 (the blog's recipe) for none.
        augment: augmentation: distort about half of the training images as real handwriting
            differs from MNIST (`siamese_lib.augmentation`); False (the blog's recipe) for
            none. The validation pairs are never distorted.

    The pairs come from `pair_dataset`: those of epoch e (counted from 1) are
    `make_pair_indices(y_train, pairs_per_epoch, seed=[seed, e])`, their batches in an order
    shuffled by `shuffled_batch_orders`; the validation pairs are drawn once, with
    `[seed + 1, 0]`.

    Returns:
        The Keras `History`: `history.history["loss"]`, `["pair_accuracy"]`, and with
        validation data `["val_loss"]`, `["val_pair_accuracy"]`, one value per epoch.

    Raises:
        ValueError: naming the argument: epochs, batch_size, pairs_per_epoch or
            validation_pairs not a whole number >= 1 (shift >= 0), margin not > 0, threshold
            not >= 0 (both finite), images outside [0, 1] (float in 0..255: divide by 255),
            labels that are not 1-D integers, or images and labels of different lengths.
    """
    margin = real_number("margin", margin if margin is not None
                         else getattr(model, "margin", 1.0), above=0.0)
    threshold = real_number("threshold", threshold if threshold is not None
                            else getattr(model, "threshold", 0.5), minimum=0.0)
    _check_arguments(x_train, y_train, validation_data, epochs=epochs, batch_size=batch_size,
                     pairs_per_epoch=pairs_per_epoch, validation_pairs=validation_pairs,
                     shift=shift)
    seed_everything(seed)
    steps = steps_per_epoch(pairs_per_epoch, batch_size)
    batch_order = shuffled_batch_orders(epochs, steps)  # first: building layers uses `random`
    trained = model
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        if strategy is not None:
            copy = keras.models.clone_model(model)
            copy.set_weights(model.get_weights())
            example = next(iter(pair_dataset(x_train, y_train, pairs_per_epoch=batch_size,
                                             batch_size=batch_size, seed=seed)))
            trained = DistributedTraining(copy, example, multi_worker=_is_multi_worker(strategy))
            if isinstance(optimizer, keras.optimizers.Optimizer):  # its variables: here
                optimizer = type(optimizer).from_config(optimizer.get_config())
        trained.compile(
            optimizer=optimizer if optimizer is not None else keras.optimizers.RMSprop(),
            loss=ContrastiveLoss(margin),
            metrics=[PairAccuracy(threshold)],
        )
    pairs = _pairs(strategy, x_train, y_train, epochs=epochs, pairs_per_epoch=pairs_per_epoch,
                   batch_size=batch_size, seed=seed, shift=shift, batch_order=batch_order,
                   augment=bool(augment))
    validation = None
    if validation_data is not None:
        x_val, y_val = validation_data
        validation = _pairs(strategy, x_val, y_val, pairs_per_epoch=validation_pairs,
                            batch_size=1024, seed=seed + 1, first_epoch=0)
    history = trained.fit(
        pairs, epochs=epochs, steps_per_epoch=steps,
        validation_data=validation, verbose=verbose, callbacks=callbacks,
        shuffle=False,  # the batches come in the order of `shuffled_batch_orders`
    )
    if trained is not model:
        model.set_weights(trained.siamese.get_weights())
    if isinstance(model, SiameseModel):
        model.margin, model.threshold = float(margin), float(threshold)
    return history


def _check_arguments(x_train, y_train, validation_data, **whole_numbers) -> None:
    """Refuse what `train` cannot use, naming the argument: counts that are not whole numbers
    >= 1 (`shift` >= 0), images that are not uint8 or in [0, 1], labels that are not 1-D
    integers, images and labels of different lengths."""
    for name, value in whole_numbers.items():
        whole_number(name, value, minimum=0 if name == "shift" else 1)
    data = [("x_train", x_train, "y_train", y_train)]
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (x_val, y_val) of images and "
                             f"labels, got {type(validation_data).__name__}.")
        data.append(("validation_data[0]", validation_data[0],
                     "validation_data[1]", validation_data[1]))
    for x_name, x, y_name, y in data:
        class_labels(y_name, y)
        same_length(x_name, x, y_name, y, nouns=("images", "labels"))
        check_pixel_values(x, x_name)


def _pairs(strategy: tf.distribute.Strategy | None, x, y, **pair_args):
    """`pair_dataset`, spread over the strategy's devices when there is one."""
    if strategy is None:
        return pair_dataset(x, y, **pair_args)
    return distributed_pair_dataset(strategy, x, y, **pair_args)


class DistributedTraining(keras.Model):
    """A Siamese model wrapped for `fit` under a `tf.distribute` strategy.

    It computes exactly what `model` computes. It exists to step around two faults of Keras 3's
    TensorFlow trainer (checked with Keras 3.15) that make `fit` fail under
    `MultiWorkerMirroredStrategy` (keras-team/keras#20585):

    - Before the first step, Keras averages the first DISTRIBUTED batch over the replicas with
      `strategy.reduce`, only to learn its shapes, and that reduce fails on a nested batch
      ("Attempt to convert a value (PerReplica ...) to a Tensor"). Here the shapes come from
      `example_batch`, a batch of this worker.
    - After every step, Keras averages the reported loss and metrics over the workers with
      `strategy.reduce("MEAN", value, axis=0)`, which fails on a scalar. Across workers, each
      value is reported here with shape (1,), so that the reduce averages the replicas' running
      means, as Keras does on one machine. (Exact when every replica gets as many pairs, which
      `pair_dataset` ensures; the epoch's History reads the metrics across replicas.)

    `ModelCheckpoint` and `save` save the Siamese model inside.
    """

    def __init__(self, model: keras.Model, example_batch, *, multi_worker: bool, **kwargs):
        super().__init__(**kwargs)
        for private in ("_symbolic_build", "_maybe_symbolic_build"):
            if not hasattr(keras.Model, private):
                raise RuntimeError(
                    f"This Keras ({keras.__version__}) has no keras.Model.{private}, which train() "
                    "needs to step around keras-team/keras#20585 under a tf.distribute strategy. "
                    "Install the Keras of requirements.lock, or train without strategy=.")
        self.siamese = model
        self.example_batch = example_batch
        self.multi_worker = multi_worker

    def save(self, filepath, *args, **kwargs):
        """Save the Siamese model inside (what `ModelCheckpoint` saves)."""
        return self.siamese.save(filepath, *args, **kwargs)

    def save_weights(self, filepath, *args, **kwargs):
        return self.siamese.save_weights(filepath, *args, **kwargs)

    def call(self, inputs, training=None):
        return self.siamese(inputs, training=training)

    def train_step(self, data):
        logs = super().train_step(data)
        return _one_copy_per_replica(logs) if self.multi_worker else logs

    def test_step(self, data):
        logs = super().test_step(data)
        return _one_copy_per_replica(logs) if self.multi_worker else logs

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        with self.distribute_strategy.scope():
            self._symbolic_build(data_batch=self.example_batch)


def _one_copy_per_replica(logs: dict) -> dict:
    return {name: ops.reshape(value, (1,)) for name, value in logs.items()}


def _cluster(strategy: tf.distribute.Strategy | None) -> dict:
    """The strategy's cluster from `TF_CONFIG`, {} outside a cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver.cluster_spec().as_dict() if resolver is not None else {}


def _is_multi_worker(strategy: tf.distribute.Strategy) -> bool:
    return bool(_cluster(strategy))


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """Whether this process should save the model: True unless it is a worker of a cluster
    (`TF_CONFIG`) other than the chief (task "chief", or "worker" 0 when there is none)."""
    cluster = _cluster(strategy)
    if not cluster:
        return True
    resolver = strategy.cluster_resolver
    if resolver.task_type == "chief":
        return True
    return "chief" not in cluster and resolver.task_type == "worker" and resolver.task_id == 0


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
    return base_network.fit(batches, epochs=epochs, verbose=verbose, callbacks=callbacks)
