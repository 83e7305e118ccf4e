"""One-shot classification: name a new image after the single labelled example it is closest to.

An N-way one-shot episode (or "run") holds N training images, one for each of N classes, and
test images of the same N classes; each test image gets the class of its nearest training
image. With classes the network never saw in training, this is what a similarity model is for.
Explained in notebooks/07_one_shot.ipynb.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

DistanceMatrix = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class OneShotRun:
    """One N-way one-shot episode: N training images (one per class) and test images.

    train_images: (N, H, W); test_images: (M, H, W); answers: int64 (M,), the index of the
    training image that shows the same class as each test image.
    """

    name: str
    train_images: np.ndarray
    test_images: np.ndarray
    answers: np.ndarray


def make_episodes(x: np.ndarray, y: np.ndarray, *, n_way: int, n_episodes: int, seed: int = 0,
                  groups: np.ndarray | None = None,
                  drawers: np.ndarray | None = None) -> list[OneShotRun]:
    """Random N-way one-shot episodes, one test image per class.

    Args:
        x: images (K, H, W). y: their classes (K,).
        n_way: classes per episode (at most the number of classes; groups with fewer classes
            are skipped).
        groups: optional group of each image (Omniglot: its alphabet): each episode then takes
            its classes from ONE group, as the official Omniglot runs do.
        drawers: optional writer of each image: each episode then takes its training images
            from one writer and its test images from another, as the official runs do.

    Returns:
        `n_episodes` episodes; the same seed gives the same episodes.
    """
    x, y = np.asarray(x), np.asarray(y)
    group_of = np.zeros(len(y), np.int64) if groups is None else np.asarray(groups)
    for name, values in [("x", x), ("groups", group_of), ("drawers", drawers)]:
        if values is not None and len(values) != len(y):
            raise ValueError(f"{name} has {len(values)} entries but y has {len(y)}.")
    rng = np.random.default_rng(seed)
    pools = [np.unique(y[group_of == g]) for g in np.unique(group_of)]
    pools = [pool for pool in pools if len(pool) >= n_way]  # groups too small are skipped
    if not pools:
        raise ValueError(f"n_way={n_way} is more classes than any group holds.")
    episodes = []
    for e in range(n_episodes):
        pool = pools[rng.integers(len(pools))]
        classes = rng.choice(pool, n_way, replace=False)
        if drawers is not None:
            drawers = np.asarray(drawers)
            first, second = rng.choice(np.unique(drawers), 2, replace=False)
            train = [_image_of(y, drawers, c, first) for c in classes]
            test = [_image_of(y, drawers, c, second) for c in classes]
        else:
            two = [rng.choice(np.flatnonzero(y == c), 2, replace=False) for c in classes]
            train, test = [t[0] for t in two], [t[1] for t in two]
        order = rng.permutation(n_way)
        episodes.append(OneShotRun(f"episode{e:04d}", x[train], x[np.array(test)[order]],
                                   order.astype(np.int64)))
    return episodes


def _image_of(y: np.ndarray, drawers: np.ndarray, label, drawer) -> int:
    """The index of the image of class `label` by `drawer`."""
    found = np.flatnonzero((y == label) & (drawers == drawer))
    if len(found) == 0:
        raise ValueError(f"class {label} has no image by drawer {drawer}: with drawers=, every "
                         "drawer must have drawn every class.")
    return int(found[0])


def one_shot_accuracy(runs: list[OneShotRun],
                      distances: DistanceMatrix) -> tuple[float, np.ndarray]:
    """Score a distance on one-shot runs, as the Omniglot authors do.

    Args:
        runs: from `load_one_shot_runs` or `make_episodes`.
        distances: `distances(test_images, train_images)` -> float (n_test, n_train); the
            smaller, the more alike. Each test image gets its nearest training image's class.

    Returns:
        `(mean accuracy over the runs, per-run accuracies float64 (len(runs),))`.
    """
    per_run = []
    for run in runs:
        cost = check_costs(distances(run.test_images, run.train_images), run)
        per_run.append(np.mean(np.argmin(cost, axis=1) == run.answers))
    per_run = np.array(per_run, dtype=np.float64)
    return float(per_run.mean()), per_run


def check_costs(costs: np.ndarray, run: OneShotRun) -> np.ndarray:
    """What a `DistanceMatrix` returned for `run`, checked: float64 (M test, N train).

    Raises:
        ValueError: naming `distances`, when the shape is not (M, N) or a value is not finite.
    """
    expected = (len(run.test_images), len(run.train_images))
    costs = np.asarray(costs, dtype=np.float64)
    if costs.shape != expected:
        raise ValueError(f"distances returned shape {costs.shape} for run {run.name!r}; "
                         f"expected (test images, training images) = {expected}.")
    if not np.all(np.isfinite(costs)):
        raise ValueError(f"distances returned values that are not finite (NaN or inf) for run "
                         f"{run.name!r}.")
    return costs


def mean_with_interval(values: np.ndarray) -> tuple[float, float]:
    """Mean of per-episode accuracies and the half-width of its 95% interval (1.96 s / sqrt(n))."""
    values = np.asarray(values, np.float64)
    return float(values.mean()), float(1.96 * values.std(ddof=1) / np.sqrt(len(values)))


def euclidean_matrix(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of (M, D) and (K, D) -> float64 (M, K)."""
    a, b = np.asarray(first, np.float64), np.asarray(second, np.float64)
    squared = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
    return np.sqrt(np.maximum(squared, 0.0))


def pixel_distances(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Euclidean distances between raw uint8 images: (M, H, W) x (K, H, W) -> float64 (M, K)."""
    return euclidean_matrix(np.reshape(first, (len(first), -1)) / 255.0,
                            np.reshape(second, (len(second), -1)) / 255.0)


def embedding_distances(base_network: keras.Model) -> DistanceMatrix:
    """A `DistanceMatrix` that compares images by the Euclidean distance of their embeddings.

    Args:
        base_network: maps float32 images (B, H, W, 1) in [0, 1] to embeddings (B, D).
    """
    def distances(first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return euclidean_matrix(_embed(base_network, first), _embed(base_network, second))

    return distances


def _embed(base_network: keras.Model, images: np.ndarray) -> np.ndarray:
    inputs = np.asarray(images, np.float32)[..., np.newaxis] / np.float32(255.0)
    return keras.ops.convert_to_numpy(base_network(inputs, training=False)).astype(np.float64)
