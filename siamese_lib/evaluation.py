"""Judging a trained Siamese model on pairs it has never seen.

The seed judged its model only on its training pairs; here pairs come from the TEST split.
Explained in notebooks/04_training.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from .losses import pair_accuracy
from .model import to_model_input
from .pairs import make_pair_indices


def pair_distances(
    model: keras.Model, a: np.ndarray, b: np.ndarray, *, batch_size: int = 1024
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
            model([to_model_input(a[k : k + batch_size]), to_model_input(b[k : k + batch_size])],
                  training=False)
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

    Pass the TEST split. The same seed gives the same pairs, so models are compared on equal
    terms. `first` and `second` hold the pairs' indices into x, e.g. to show the worst errors.
    """
    i, j, labels = make_pair_indices(y, n_pairs, seed=seed)
    d = pair_distances(model, x[i], x[j])
    same = labels == 1.0

    def accuracy(mask: np.ndarray) -> float:
        return float(pair_accuracy(threshold)(labels[mask], d[mask]))

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
