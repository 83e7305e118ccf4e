"""Judging a trained Siamese model on pairs it has never seen.

The blog judged its model only on its training pairs; here pairs come from the TEST split.
Explained in notebooks/04_training.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from .losses import pair_accuracy
from .model import base_network_of, to_model_input
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


def embed(model: keras.Model, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
    """Embeddings of images through the model's shared base network: float32 (N, D)."""
    base = base_network_of(model)
    chunks = [keras.ops.convert_to_numpy(base(to_model_input(images[k : k + batch_size]),
                                              training=False))
              for k in range(0, len(images), batch_size)]
    return np.concatenate(chunks).astype(np.float32)


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
    """
    i, j, labels = make_pair_indices(y, n_pairs, seed=seed)
    d = pair_distances(model, x[i], x[j])
    same = labels == 1.0

    def accuracy(mask: np.ndarray) -> float:
        return float(np.mean(keras.ops.convert_to_numpy(
            pair_accuracy(labels[mask], d[mask], threshold))))

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
    distances: np.ndarray, labels: np.ndarray, thresholds: np.ndarray
) -> np.ndarray:
    """Pair accuracy at each threshold: float64 (len(thresholds),).

    Uses `pair_accuracy` itself, so it is the same rule as in training.
    """
    return np.array([float(np.mean(keras.ops.convert_to_numpy(
        pair_accuracy(labels, distances, t)))) for t in thresholds])


def nearest_neighbours(
    queries: np.ndarray, references: np.ndarray, *, k: int = 1, memory_mb: float = 100.0
) -> tuple[np.ndarray, np.ndarray]:
    """The k references closest to each query, by Euclidean distance.

    Works on anything flattened to vectors: raw images (N, 28, 28) of any dtype, or embeddings
    (N, D). Queries and references are compared a block of each at a time, so the working
    memory stays near `memory_mb` (about 100 MB by default; 10,000 MNIST queries against all
    60,000 training images, as raw uint8 pixels, peak at 114 MB: benchmarks/neighbours_memory.py)
    however many there are. Candidates are ranked by |q|^2 - 2 q.r + |r|^2 in float32; the
    distances returned for the k kept are computed exactly, from the differences.

    Args:
        queries: (Q, ...) array; references: (R, ...) array with the same trailing size.
        k: neighbours per query, at most R.
        memory_mb: working memory to aim for, in MB (the inputs themselves not counted).

    Returns:
        `(indices, distances)`: int64 (Q, k) into references, and float32 (Q, k), nearest first.
    """
    q = np.asarray(queries).reshape(len(queries), -1)
    r = np.asarray(references).reshape(len(references), -1)
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} values each, references {r.shape[1]}.")
    if not 1 <= k <= len(r):
        raise ValueError(f"k must be between 1 and {len(r)}, got {k}.")
    if memory_mb <= 0:
        raise ValueError(f"memory_mb must be positive, got {memory_mb}.")
    budget = memory_mb * 1e6
    features = q.shape[1]
    # A block of references as float32 takes a quarter of the budget at most; a block of
    # queries against it (scores, candidate indices and temporaries: about 24 bytes a cell)
    # the rest.
    ref_block = int(max(k, min(len(r), budget / 4 / (4 * features))))
    query_block = int(max(1, min(len(q), budget * 3 / 4 / (24 * (ref_block + k)))))
    indices = np.empty((len(q), k), dtype=np.int64)
    distances = np.empty((len(q), k), dtype=np.float32)
    for start in range(0, len(q), query_block):
        block = q[start : start + query_block].astype(np.float32)
        nearest = _nearest_in_blocks(block, r, k, ref_block)
        exact = np.sqrt(np.stack([np.sum((block - r[nearest[:, m]].astype(np.float32)) ** 2,
                                         axis=1) for m in range(k)], axis=1))
        order = np.lexsort((nearest, exact), axis=1) if k > 1 else np.zeros((len(block), 1), int)
        indices[start : start + len(block)] = np.take_along_axis(nearest, order, axis=1)
        distances[start : start + len(block)] = np.take_along_axis(exact, order, axis=1)
    return indices, distances


def _nearest_in_blocks(block: np.ndarray, r: np.ndarray, k: int, ref_block: int) -> np.ndarray:
    """Indices (B, k) of the k references with the smallest squared distance to each query
    of `block` (B, F) float32, scanning the references `ref_block` at a time."""
    block_squared = np.einsum("ij,ij->i", block, block)[:, None]
    best_scores = np.full((len(block), 0), np.inf, dtype=np.float32)
    best = np.zeros((len(block), 0), dtype=np.int64)
    for first in range(0, len(r), ref_block):
        part = r[first : first + ref_block].astype(np.float32)
        scores = block_squared - 2 * block @ part.T + np.einsum("ij,ij->i", part, part)
        scores = np.concatenate([best_scores, scores], axis=1)
        candidates = np.concatenate(
            [best, np.broadcast_to(np.arange(first, first + len(part)), (len(block), len(part)))],
            axis=1)
        keep = np.argpartition(scores, k - 1, axis=1)[:, :k] if scores.shape[1] > k else None
        if keep is not None:
            scores = np.take_along_axis(scores, keep, axis=1)
            candidates = np.take_along_axis(candidates, keep, axis=1)
        best_scores, best = scores, candidates
    return best


def knn_classify(
    queries: np.ndarray, references: np.ndarray, reference_labels: np.ndarray, *, k: int = 1
) -> np.ndarray:
    """Label each query by a majority vote of its k nearest references (ties: the nearest wins).

    Returns:
        Predicted labels (Q,), reference_labels' dtype.
    """
    reference_labels = np.asarray(reference_labels)
    indices, _ = nearest_neighbours(queries, references, k=k)
    return _vote(reference_labels[indices])


def _vote(votes: np.ndarray) -> np.ndarray:
    """Labels of each query's neighbours (Q, k), nearest first -> the majority's label (Q,)."""
    if votes.shape[1] == 1:
        return votes[:, 0]
    return np.array([majority_vote(row) for row in votes], dtype=votes.dtype)


def choose_k(
    queries: np.ndarray, labels: np.ndarray, references: np.ndarray,
    reference_labels: np.ndarray, candidates: tuple[int, ...] = (1, 3, 5, 7, 9, 15),
) -> tuple[int, dict[int, float]]:
    """The k of `knn_classify` that labels these queries best; a tie goes to the smaller k.

    Choose on VALIDATION queries, never on the test set. One neighbour search serves every
    candidate: the k nearest are the first k of the max(candidates) nearest.

    Returns:
        `(best_k, accuracies)`: the chosen k, and each candidate's accuracy on the queries.
    """
    indices, _ = nearest_neighbours(queries, references, k=max(candidates))
    votes = np.asarray(reference_labels)[indices]  # (Q, max k), nearest first
    accuracies = {k: float(np.mean(_vote(votes[:, :k]) == np.asarray(labels)))
                  for k in candidates}
    return max(candidates, key=lambda k: (accuracies[k], -k)), accuracies


def majority_vote(labels: np.ndarray):
    """The most common label among neighbours given nearest first; a tie goes to the nearest."""
    labels = np.asarray(labels)
    values, counts = np.unique(labels, return_counts=True)
    winners = set(values[counts == counts.max()].tolist())
    return next(label for label in labels if label.item() in winners)


def roc_curve(distances: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    """ROC curve of the rule "same when d < t", over every useful threshold t.

    Args:
        distances: (N,) float. labels: (N,), 1 = same pair, 0 = different pair.

    Returns:
        `(false_positive_rate, true_positive_rate, thresholds)`, each (K,), from t below every
        distance (nothing called same: (0, 0)) to t above every distance ((1, 1)). "Positive"
        means "called same": the true positive rate is the share of same pairs called same.
    """
    distances, same = np.asarray(distances, np.float64), np.asarray(labels) == 1
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


def auc(false_positive_rate: np.ndarray, true_positive_rate: np.ndarray) -> float:
    """Area under a ROC curve (trapezoids): 1.0 separates perfectly, 0.5 is chance."""
    return float(np.trapezoid(true_positive_rate, false_positive_rate))


def calibrate_threshold(distances: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The threshold with the best pair accuracy on these pairs, and that accuracy.

    Use VALIDATION pairs (carved from the training set), never test pairs: a threshold chosen
    on the test set makes the test score look better than it is.
    """
    fpr, tpr, thresholds = roc_curve(distances, labels)
    share_same = float(np.mean(np.asarray(labels) == 1))
    accuracy = share_same * tpr + (1 - share_same) * (1 - fpr)
    best = int(np.argmax(accuracy))
    return float(thresholds[best]), float(accuracy[best])


def pca_2d(embeddings: np.ndarray) -> np.ndarray:
    """The two principal components of a set of embeddings (N, D) -> (N, 2), float32."""
    centred = np.asarray(embeddings, np.float64) - np.mean(embeddings, axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return (centred @ components[:2].T).astype(np.float32)


def explained_variance(embeddings: np.ndarray, n_components: int) -> np.ndarray:
    """The share of the embeddings' variance along each of their first principal components.

    `pca_2d` keeps the first two components; their ratios say how much of the picture it shows.
    Explained in notebooks/06_beyond_the_blog.ipynb.

    Args:
        embeddings: (N, D) array, any float dtype.
        n_components: how many components, from 1 to min(N, D).

    Returns:
        float64 (n_components,): each component's share of the total variance, largest first.
        All min(N, D) shares sum to 1; take `.sum()` for the share the first ones hold together.
    """
    centred = np.asarray(embeddings, np.float64) - np.mean(embeddings, axis=0)
    if not 1 <= n_components <= min(centred.shape):
        raise ValueError(f"n_components must be between 1 and {min(centred.shape)}, "
                         f"got {n_components}.")
    variances = np.linalg.svd(centred, compute_uv=False) ** 2
    return variances[:n_components] / variances.sum()


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
