"""Contrastive loss and pair accuracy (Hadsell, Chopra and LeCun, 2006; the blog's code).

Label convention: y = 1.0 for a same-digit pair, y = 0.0 for a different-digit pair; d is the
distance the Siamese model outputs.

    loss     = mean( y * d^2 + (1 - y) * max(margin - d, 0)^2 )
    accuracy = mean( (d < threshold) == (y == 1) )

As in Keras itself, each comes twice: a function of one batch that gives a value per pair
(`contrastive_loss`, `pair_accuracy`, like `keras.losses.mean_squared_error`), and a
registered class for `compile()` that averages it and saves its margin or threshold with the
model (`ContrastiveLoss(margin)`, `PairAccuracy(threshold)`, like
`keras.losses.MeanSquaredError`).

Both functions flatten their inputs first. Keras hands labels over as (batch,) or (batch, 1)
while the model outputs (batch, 1); the blog's `K.equal(y_true, y_pred < 0.5)` ported to Keras
3 broadcasts (batch,) against (batch, 1) into a (batch, batch) matrix and reports about 0.50
while the true pair accuracy is 0.97. Explained in notebooks/03_contrastive_loss.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

ONE_LABEL_PER_PAIR = ("pass one label per pair, the labels of the pairs whose distances "
                      "y_pred holds ((batch,) or (batch, 1) each)")


def _flat_pair(y_true, y_pred):
    """Both as float vectors (batch,), in y_pred's float dtype, checked to be as long.

    Raises:
        ValueError: y_true and y_pred hold different numbers of values, when their shapes are
            known (always outside `tf.function`). Inside a traced function with an unknown
            batch size, the same check runs with the graph, as a TensorFlow assertion (under
            XLA, which skips assertions, the reshape onto y_pred's shape fails instead).
    """
    y_pred = ops.reshape(ops.convert_to_tensor(y_pred), (-1,))
    y_true = ops.reshape(ops.convert_to_tensor(y_true), (-1,))
    return ops.cast(_as_long_as(y_true, y_pred), y_pred.dtype), y_pred


def _as_long_as(y_true, y_pred):
    """y_true (n,), checked to have as many values as y_pred (m,)."""
    n_true, n_pred = y_true.shape[0], y_pred.shape[0]
    if n_true is not None and n_pred is not None:
        if n_true != n_pred:
            raise ValueError(f"y_true holds {n_true} labels but y_pred {n_pred} distances: "
                             f"{ONE_LABEL_PER_PAIR}.")
        return y_true
    if keras.config.backend() == "tensorflow":  # a graph traced with an unknown batch size
        check = tf.debugging.assert_equal(tf.size(y_true), tf.size(y_pred),
                                          message=f"y_true and y_pred hold different numbers "
                                          f"of values: {ONE_LABEL_PER_PAIR}. Their counts:")
        with tf.control_dependencies([check]):
            y_true = tf.identity(y_true)
    return ops.reshape(y_true, ops.shape(y_pred))


class MarginLoss(keras.losses.Loss):
    """A Keras loss with a margin, saved in its config (the base of the losses below)."""

    def __init__(self, margin: float, name: str, **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


def contrastive_loss(y_true, y_pred, margin: float = 1.0):
    """The contrastive loss of each pair: y d^2 + (1 - y) max(margin - d, 0)^2.

    A Keras-style loss function, like `keras.losses.mean_squared_error`: labels y (batch,) or
    (batch, 1), distances d (batch, 1) or (batch,) -> per-pair losses (batch,), d's dtype.
    `ContrastiveLoss(margin)` wraps it for `compile(loss=...)`. One label per distance: a
    ValueError names both counts otherwise (1 label would broadcast over 8 distances).
    """
    y_true, d = _flat_pair(y_true, y_pred)
    same_term = ops.square(d)
    different_term = ops.square(ops.maximum(margin - d, 0.0))
    return y_true * same_term + (1.0 - y_true) * different_term


@keras.saving.register_keras_serializable(package="siamese_lib")
class ContrastiveLoss(MarginLoss):
    """Contrastive loss: pulls same pairs to d = 0, pushes different pairs out to d >= margin.

    Called as `loss(y_true, y_pred)` it returns the batch mean, a scalar; its margin is saved
    with the model.
    """

    def __init__(self, margin: float = 1.0, name: str = "contrastive_loss", **kwargs):
        super().__init__(margin, name, **kwargs)

    def call(self, y_true, y_pred):
        """Per-pair losses (batch,)."""
        return contrastive_loss(y_true, y_pred, self.margin)


def pair_accuracy(y_true, y_pred, threshold: float = 0.5):
    """Whether each pair is judged right: 1.0 where (d < threshold) == (y == 1), else 0.0.

    A Keras-style metric function, like `keras.metrics.binary_accuracy`: labels y (batch,) or
    (batch, 1), distances d (batch, 1) or (batch,) -> (batch,), d's float dtype.
    `PairAccuracy(threshold)` averages it over batches for `compile(metrics=[...])`. One label
    per distance: a ValueError names both counts otherwise.
    """
    y_true, d = _flat_pair(y_true, y_pred)
    predicted_same = ops.cast(d < threshold, d.dtype)
    return ops.cast(ops.equal(predicted_same, y_true), d.dtype)


@keras.saving.register_keras_serializable(package="siamese_lib")
class PairAccuracy(keras.metrics.MeanMetricWrapper):
    """Share of pairs judged right: "same" when d < threshold, "different" otherwise.

    A Keras metric: the running mean of `pair_accuracy` over the batches of an epoch, named
    `pair_accuracy` (`val_pair_accuracy` on validation data), with direction "up", so that
    `EarlyStopping` and `ModelCheckpoint` know higher is better. Its threshold is saved with
    the model. Called on one batch, `PairAccuracy(0.5)(y_true, d)` returns the accuracy so far.
    """

    def __init__(self, threshold: float = 0.5, name: str = "pair_accuracy", dtype=None):
        super().__init__(fn=pair_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def loss_and_gradient(
    d: np.ndarray, label: float, margin: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """The contrastive loss of ONE pair at each distance in `d`, and its gradient dL/dd.

    The gradient comes from TensorFlow's automatic differentiation of `contrastive_loss`, so it
    can be checked against the hand-derived 2d (same pair) and -2 max(margin - d, 0) (different
    pair). Explained in notebooks/03_contrastive_loss.ipynb.

    Args:
        d: distances (K,), float.
        label: 1.0 (same pair) or 0.0 (different pair).

    Returns:
        `(loss, gradient)`, two float32 arrays (K,).
    """
    distances = tf.Variable(np.asarray(d, dtype=np.float32).reshape(-1, 1))
    labels = tf.fill((len(d),), float(label))
    with tf.GradientTape() as tape:
        per_pair = contrastive_loss(labels, distances, margin)
        total = tf.reduce_sum(per_pair)
    gradient = tape.gradient(total, distances)
    return per_pair.numpy(), gradient.numpy().reshape(-1)


# Losses over a whole batch of embeddings: every image is compared with every other one.
# y_true: class labels (batch,); y_pred: embeddings (batch, D). They return the batch's loss as
# a scalar, not one value per sample (a sample's loss depends on the whole batch), so Keras'
# `reduction` and `sample_weight` do not apply to them. Explained in notebooks/07_one_shot.ipynb.


def pairwise_distances(embeddings, epsilon: float = 1e-7):
    """Euclidean distances between all rows of float `embeddings` (B, D) -> (B, B), same dtype.

    The diagonal is 0.

    The squared distance is clipped at `epsilon` before the square root (as in `PairDistance`),
    so the gradient stays finite for identical embeddings.
    """
    squared_norms = ops.sum(ops.square(embeddings), axis=1)
    squared = (ops.expand_dims(squared_norms, 1) + ops.expand_dims(squared_norms, 0)
               - 2.0 * ops.matmul(embeddings, ops.transpose(embeddings)))
    off_diagonal = 1.0 - ops.eye(ops.shape(embeddings)[0], dtype=embeddings.dtype)
    return ops.sqrt(ops.maximum(squared, epsilon)) * off_diagonal


def _batch_geometry(y_true, y_pred):
    """Distances (B, B) between the embeddings y_pred (B, D), and float masks (B, B) of the
    positive pairs (same class, not itself) and negative pairs (other class) of labels y_true."""
    embeddings = ops.convert_to_tensor(y_pred)
    labels = ops.reshape(y_true, (-1,))
    same = ops.cast(ops.equal(ops.expand_dims(labels, 1), ops.expand_dims(labels, 0)),
                    embeddings.dtype)
    positive = same - ops.eye(ops.shape(labels)[0], dtype=embeddings.dtype)
    return pairwise_distances(embeddings), positive, 1.0 - same


def _masked_mean(values, mask):
    """The mean of `values` where the float `mask` is 1 (0 when the mask is empty)."""
    return ops.sum(mask * values) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="siamese_lib")
class BatchContrastiveLoss(MarginLoss):
    """The contrastive loss over every pair of images in a batch of classes.

    For all pairs (i, j), i != j, with d = |e_i - e_j|: same class d^2, different classes
    max(margin - d, 0)^2. The two kinds are averaged separately and then together, so same
    and different pairs weigh half each, as in `make_pairs`. Returns a scalar.
    """

    def __init__(self, margin: float = 1.0, name: str = "batch_contrastive_loss", **kwargs):
        super().__init__(margin, name, **kwargs)

    def call(self, y_true, y_pred):
        d, positive, negative = _batch_geometry(y_true, y_pred)
        different = ops.square(ops.maximum(self.margin - d, 0.0))
        return 0.5 * (_masked_mean(ops.square(d), positive) + _masked_mean(different, negative))


@keras.saving.register_keras_serializable(package="siamese_lib")
class TripletLoss(MarginLoss):
    """The triplet loss with semi-hard negatives (Schroff, Kalenichenko & Philbin 2015, FaceNet).

    For every anchor a and positive p (same class, p != a) in the batch: the negative n is the
    closest one that is still FARTHER than p (semi-hard: d(a, p) < d(a, n)); when there is
    none, the farthest negative. The loss is max(d(a, p) - d(a, n) + margin, 0), averaged
    over all (a, p). Distances are Euclidean. Returns a scalar. Memory: a (B, B, B) tensor
    (2 million floats for B = 128).
    """

    def __init__(self, margin: float = 0.5, name: str = "triplet_loss", **kwargs):
        super().__init__(margin, name, **kwargs)

    def call(self, y_true, y_pred):
        d, positive, negative = _batch_geometry(y_true, y_pred)
        d_ap = ops.expand_dims(d, 2)  # (a, p, 1)
        d_an = ops.expand_dims(d, 1)  # (a, 1, n)
        semi_hard = ops.expand_dims(negative, 1) * ops.cast(d_an > d_ap, d.dtype)  # (a, p, n)
        far = ops.max(d) + 1.0
        closest_semi_hard = ops.min(d_an * semi_hard + far * (1.0 - semi_hard), axis=2)
        farthest = ops.max(d * negative, axis=1, keepdims=True)  # (a, 1)
        has_semi_hard = ops.max(semi_hard, axis=2) > 0
        d_neg = ops.where(has_semi_hard, closest_semi_hard, farthest)
        return _masked_mean(ops.maximum(d - d_neg + self.margin, 0.0), positive)
