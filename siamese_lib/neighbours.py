"""Nearest neighbours: the references closest to each query, and k-NN classification.

Explained in notebooks/04_training.ipynb and notebooks/06_beyond_the_blog.ipynb.
"""

from __future__ import annotations

import numpy as np

METRICS = ("euclidean", "squared", "manhattan")


def nearest_neighbours(
    queries: np.ndarray, references: np.ndarray, *, k: int = 1, metric: str = "euclidean",
    memory_mb: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The k references closest to each query.

    Works on anything flattened to vectors: raw images (N, 28, 28) of any dtype, or embeddings
    (N, D). Queries and references are compared a block of each at a time, so the working
    memory stays near `memory_mb` (about 100 MB by default; 10,000 MNIST queries against all
    60,000 training images, as raw uint8 pixels, peak at 78 MB: benchmarks/neighbours_memory.py)
    however many there are. For "euclidean" and "squared", candidates are ranked by
    |q|^2 - 2 q.r + |r|^2 in float64 (in float32 that sum loses the small distances between
    large vectors, and near neighbours swap places); the distances returned for the k kept are
    computed from the differences.

    Args:
        queries: (Q, ...) array; references: (R, ...) array with the same trailing size.
        k: neighbours per query, at most R.
        metric: `"euclidean"` (the default), `"squared"` (its square: same neighbours) or
            `"manhattan"` (sum of absolute differences), the distances of `PairDistance`.
        memory_mb: working memory to aim for, in MB (the inputs themselves not counted).

    Returns:
        `(indices, distances)`: int64 (Q, k) into references, and float32 (Q, k), nearest first
        (among references exactly as near as the k-th, which ones are kept is not specified).
    """
    q = np.asarray(queries).reshape(len(queries), -1)
    r = np.asarray(references).reshape(len(references), -1)
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} values each, references {r.shape[1]}.")
    if not 1 <= k <= len(r):
        raise ValueError(f"k must be between 1 and {len(r)}, got {k}.")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}.")
    if memory_mb <= 0:
        raise ValueError(f"memory_mb must be positive, got {memory_mb}.")
    budget = memory_mb * 1e6
    features = q.shape[1]
    # A block of references as float64 takes a quarter of the budget at most; a block of
    # queries against it (scores, candidate indices and temporaries: about 48 bytes a cell;
    # for "manhattan", the differences themselves: 8 bytes per feature a cell) the rest.
    ref_block = int(max(k, min(len(r), budget / 4 / (8 * features))))
    cell_bytes = 48 + (8 * features if metric == "manhattan" else 0)
    query_block = int(max(1, min(len(q), budget * 3 / 4 / (cell_bytes * (ref_block + k)))))
    indices = np.empty((len(q), k), dtype=np.int64)
    distances = np.empty((len(q), k), dtype=np.float32)
    for start in range(0, len(q), query_block):
        block = q[start : start + query_block].astype(np.float64)
        nearest = _nearest_in_blocks(block, r, k, ref_block, metric)
        exact = np.stack([_exact_distances(block, r[nearest[:, m]].astype(np.float64), metric)
                          for m in range(k)], axis=1).astype(np.float32)
        order = np.lexsort((nearest, exact), axis=1) if k > 1 else np.zeros((len(block), 1), int)
        indices[start : start + len(block)] = np.take_along_axis(nearest, order, axis=1)
        distances[start : start + len(block)] = np.take_along_axis(exact, order, axis=1)
    return indices, distances


def _exact_distances(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """Row-wise distances between float a and b (N, F) -> (N,)."""
    if metric == "manhattan":
        return np.abs(a - b).sum(axis=1)
    squared = np.square(a - b).sum(axis=1)
    return squared if metric == "squared" else np.sqrt(squared)


def _nearest_in_blocks(block: np.ndarray, r: np.ndarray, k: int, ref_block: int,
                       metric: str) -> np.ndarray:
    """Indices (B, k) of the k references with the smallest distance scores to each query of
    `block` (B, F) float64, scanning the references `ref_block` at a time."""
    block_squared = np.einsum("ij,ij->i", block, block)[:, None]
    best_scores = np.full((len(block), 0), np.inf, dtype=np.float64)
    best = np.zeros((len(block), 0), dtype=np.int64)
    for first in range(0, len(r), ref_block):
        part = r[first : first + ref_block].astype(np.float64)
        if metric == "manhattan":
            scores = np.abs(block[:, None, :] - part[None, :, :]).sum(axis=2)
        else:
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
    queries: np.ndarray, *, references: np.ndarray, reference_labels: np.ndarray, k: int = 1,
    metric: str = "euclidean",
) -> np.ndarray:
    """Label each query by a majority vote of its k nearest references (ties: the nearest wins).

    The arrays after `queries` are keyword-only, named as in `choose_k`, so that they cannot be
    swapped by accident.

    Returns:
        Predicted labels (Q,), reference_labels' dtype.
    """
    reference_labels = np.asarray(reference_labels)
    indices, _ = nearest_neighbours(queries, references, k=k, metric=metric)
    return _vote(reference_labels[indices])


def _vote(votes: np.ndarray) -> np.ndarray:
    """Labels of each query's neighbours (Q, k), nearest first -> the majority's label (Q,)."""
    if votes.shape[1] == 1:
        return votes[:, 0]
    return np.array([majority_vote(row) for row in votes], dtype=votes.dtype)


def choose_k(
    queries: np.ndarray, *, query_labels: np.ndarray, references: np.ndarray,
    reference_labels: np.ndarray, candidates: tuple[int, ...] = (1, 3, 5, 7, 9, 15),
    metric: str = "euclidean",
) -> tuple[int, dict[int, float]]:
    """The k of `knn_classify` that labels these queries best; a tie goes to the smaller k.

    Choose on VALIDATION queries, never on the test set. One neighbour search serves every
    candidate: the k nearest are the first k of the max(candidates) nearest.

    Returns:
        `(best_k, accuracies)`: the chosen k, and each candidate's accuracy on the queries.
    """
    indices, _ = nearest_neighbours(queries, references, k=max(candidates), metric=metric)
    votes = np.asarray(reference_labels)[indices]  # (Q, max k), nearest first
    accuracies = {k: float(np.mean(_vote(votes[:, :k]) == np.asarray(query_labels)))
                  for k in candidates}
    return max(candidates, key=lambda k: (accuracies[k], -k)), accuracies


def majority_vote(labels: np.ndarray):
    """The most common label among neighbours given nearest first; a tie goes to the nearest."""
    labels = np.asarray(labels)
    values, counts = np.unique(labels, return_counts=True)
    winners = set(values[counts == counts.max()].tolist())
    return next(label for label in labels if label.item() in winners)


