"""Verification: are two digits the same? Distances, the pair accuracy of a threshold, the
ROC curve, and how to choose the threshold.

The blog judged its model only on its training pairs; here pairs come from the TEST split to
judge, and from a VALIDATION split to choose. Explained in notebooks/04_training.ipynb and
notebooks/06_beyond_the_blog.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from .checks import class_labels, real_number, same_length, whole_number
from .losses import pair_accuracy
from .model import INPUT_SHAPE, check_pixel_values, to_model_input
from .pairs import make_pair_indices


def pair_distances(
    model: keras.Model, a: np.ndarray, b: np.ndarray, *, batch_size: int = 1024,
    shape: tuple[int, ...] = INPUT_SHAPE,
) -> np.ndarray:
    """Distances between image pairs `a[k]`, `b[k]`.

    Args:
        model: a model `[a, b] -> distance (batch, 1)`.
        a, b: images, uint8 (N, 28, 28) or float (N, 28, 28[, 1]) in [0, 1], same N.
        batch_size: pairs per forward pass (memory, not results).

    Returns:
        float32 numpy array (N,).
    """
    if len(a) != len(b):
        raise ValueError(f"a has {len(a)} images but b has {len(b)}: pairs need the same count.")
    chunks = [
        keras.ops.convert_to_numpy(
            model([to_model_input(a[k : k + batch_size], shape),
                   to_model_input(b[k : k + batch_size], shape)], training=False)
        ).reshape(-1)
        for k in range(0, len(a), batch_size)
    ]
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


@dataclass
class PairEvaluation:
    """What `evaluate_pairs` measured. Arrays are (n_pairs,)."""

    accuracy: float
    same_accuracy: float
    different_accuracy: float
    threshold: float
    distances: np.ndarray
    labels: np.ndarray
    first: np.ndarray
    second: np.ndarray


def evaluate_pairs(
    model: keras.Model, x: np.ndarray, y: np.ndarray, *, n_pairs: int = 10_000,
    threshold: float = 0.5, seed: int = 1,
) -> PairEvaluation:
    """Pair accuracy on `n_pairs` random pairs (half same, half different) drawn from `x, y`.

    Pass VALIDATION images to make a choice (a threshold, a recipe), and the TEST split only to
    judge the final model. The same seed gives the same pairs, so models are compared on equal
    terms. `first` and `second` hold the pairs' indices into x, e.g. to show the worst errors.

    Args:
        x: images, uint8 (N, 28, 28) or float (N, 28, 28[, 1]) in [0, 1].
        y: their integer class labels (N,).
        n_pairs: at least 2, so that there is a same and a different pair.
        threshold: finite, >= 0: pairs closer than this are called "same".

    Raises:
        ValueError: naming the argument that is not as described above.
    """
    y = class_labels("y", y)
    same_length("x", x, "y", y, nouns=("images", "labels"))
    check_pixel_values(x, "x")
    n_pairs = whole_number("n_pairs", n_pairs, minimum=2)
    threshold = real_number("threshold", threshold, minimum=0.0)
    i, j, labels = make_pair_indices(y, n_pairs, seed=seed)
    d = pair_distances(model, x[i], x[j])
    same = labels == 1.0

    def accuracy(mask: np.ndarray) -> float:
        return float(accuracy_vs_threshold([threshold], labels=labels[mask],
                                           distances=d[mask])[0])

    return PairEvaluation(
        accuracy=accuracy(np.ones_like(same)),
        same_accuracy=accuracy(same),
        different_accuracy=accuracy(~same),
        threshold=threshold,
        distances=d,
        labels=labels,
        first=i,
        second=j,
    )


def accuracy_vs_threshold(
    thresholds: np.ndarray, *, labels: np.ndarray, distances: np.ndarray
) -> np.ndarray:
    """Pair accuracy at each threshold: float64 (len(thresholds),).

    Uses `pair_accuracy` itself, so it is the same rule as in training. Here and in `roc_curve`
    and `calibrate_threshold`, the pairs' labels and distances are keyword-only (Keras' y_true
    and y_pred), so that they cannot be swapped by accident.
    """
    return np.array([float(np.mean(keras.ops.convert_to_numpy(
        pair_accuracy(labels, distances, t)))) for t in thresholds])


def roc_curve(*, labels: np.ndarray, distances: np.ndarray,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve of the rule "same when d < t", over every useful threshold t.

    Args:
        distances: (N,) float. labels: (N,), 1 = same pair, 0 = different pair.

    Returns:
        `(false_positive_rate, true_positive_rate, thresholds)`, each (K,), from t below every
        distance (nothing called same: (0, 0)) to t above every distance ((1, 1)). "Positive"
        means "called same": the true positive rate is the share of same pairs called same.

    Raises:
        ValueError: naming `labels` or `distances`: not 1-D, not as long as each other, empty,
            labels other than 0 and 1, distances NaN or infinite.
    """
    distances, same = _checked_pairs(labels, distances)
    order = np.argsort(distances, kind="stable")
    d_sorted, same_sorted = distances[order], same[order]
    last_of_each_value = np.r_[np.flatnonzero(np.diff(d_sorted)), len(d_sorted) - 1]
    true_positives = np.cumsum(same_sorted)[last_of_each_value]
    false_positives = np.cumsum(~same_sorted)[last_of_each_value]
    tpr = np.r_[0.0, true_positives / max(same.sum(), 1)]
    fpr = np.r_[0.0, false_positives / max((~same).sum(), 1)]
    values = d_sorted[last_of_each_value]  # the distinct distances, ascending
    thresholds = np.r_[values[0], (values[:-1] + values[1:]) / 2, values[-1] + 1e-6]
    return fpr, tpr, thresholds


def _checked_pairs(labels, distances) -> tuple[np.ndarray, np.ndarray]:
    """Distances as float64 (N,) and labels as bool (N,), True = same, after checking both."""
    labels, distances = np.asarray(labels), np.asarray(distances)
    for name, values in (("labels", labels), ("distances", distances)):
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array, got shape {values.shape}.")
        if values.dtype.kind not in "biuf":  # bool, integer or float
            raise ValueError(f"{name} must hold numbers, got dtype {values.dtype}.")
    same_length("labels", labels, "distances", distances, nouns=("labels", "distances"))
    if not np.all((labels == 0) | (labels == 1)):
        bad = labels[(labels != 0) & (labels != 1)][0].item()
        raise ValueError(f"labels must be 1 (same pair) or 0 (different pair), got {bad!r}. "
                         "Pass pair labels (make_pair_indices' third array), not class labels.")
    distances = distances.astype(np.float64)
    if not np.all(np.isfinite(distances)):
        raise ValueError("distances must be finite: they hold NaN or infinite values (a model "
                         "that diverged?).")
    return distances, labels == 1


def auc(false_positive_rate: np.ndarray, true_positive_rate: np.ndarray) -> float:
    """Area under a ROC curve (trapezoids): 1.0 separates perfectly, 0.5 is chance."""
    return float(np.trapezoid(true_positive_rate, false_positive_rate))


def calibrate_threshold(*, labels: np.ndarray, distances: np.ndarray) -> tuple[float, float]:
    """The threshold with the best pair accuracy on these pairs, and that accuracy.

    Use VALIDATION pairs (carved from the training set), never test pairs: a threshold chosen
    on the test set makes the test score look better than it is.
    """
    fpr, tpr, thresholds = roc_curve(labels=labels, distances=distances)
    share_same = float(np.mean(np.asarray(labels) == 1))
    accuracy = share_same * tpr + (1 - share_same) * (1 - fpr)
    best = int(np.argmax(accuracy))
    return float(thresholds[best]), float(accuracy[best])


def hardest_pairs(result: PairEvaluation, n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The worst mistakes: same pairs with the largest distances, different with the smallest.

    Returns:
        `(same_worst, different_worst)`: positions into `result`'s arrays, worst first.
    """
    same = np.flatnonzero(result.labels == 1)
    different = np.flatnonzero(result.labels == 0)
    same_worst = same[np.argsort(-result.distances[same], kind="stable")[:n]]
    different_worst = different[np.argsort(result.distances[different], kind="stable")[:n]]
    return same_worst, different_worst
