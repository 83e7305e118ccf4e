"""Pairs of digits, the Siamese network's training examples.

Label convention, used everywhere in this project (the blog's): 1.0 = same digit,
0.0 = different digits.

The blog builds 60,000 pairs with a Python loop into float64 lists (about 2.2 GB resident once
ported to Keras 3). Here pairs are index arrays drawn in a few vectorised numpy calls, and
`PairStream` turns a batch at a time into float32 model input, drawing fresh pairs every epoch.
Explained in notebooks/04_training.ipynb.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from .checks import class_labels, real_number, same_length, whole_number
from .model import to_model_input


def make_pair_indices(
    y: np.ndarray, n_pairs: int, *, seed: int | np.random.Generator | None = None,
    same_fraction: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw random pairs of indices into `y`, a given share of them same-class.

    Same-class pairs: a class chosen uniformly (as the blog does), then two DIFFERENT images of
    it (never an image with itself). Different-class pairs: an ordered pair of distinct classes
    chosen uniformly among all of them, then one image of each. Pairs come shuffled.

    Args:
        y: labels (N,), any integer dtype (not bool or float).
        n_pairs: how many pairs, an int >= 0.
        seed: an int or a numpy Generator; the same seed gives the same pairs.
        same_fraction: share of same-class pairs; `round(n_pairs * same_fraction)` exactly.

    Returns:
        `(i, j, labels)`: int64 (n_pairs,), int64 (n_pairs,), float32 (n_pairs,) with
        1.0 where `y[i] == y[j]` and 0.0 elsewhere.

    Raises:
        ValueError: naming the argument that is not as described above, or when y has too few
            classes or images per class for the pairs asked for.
    """
    n_pairs = whole_number("n_pairs", n_pairs, minimum=0)
    if not 0.0 <= real_number("same_fraction", same_fraction) <= 1.0:
        raise ValueError(f"same_fraction must lie in [0, 1], got {same_fraction}.")
    rng = np.random.default_rng(seed)
    classes, order, starts, counts = _class_index(class_labels("y", y))
    n_same = round(n_pairs * same_fraction)
    n_different = n_pairs - n_same
    if n_same and counts.min() < 2:
        raise ValueError("Every class needs at least 2 images to draw same-class pairs.")
    if n_different and len(classes) < 2:
        raise ValueError("Different-class pairs need at least 2 classes in y.")

    # Same class: positions p != q inside one class (q skips over p).
    same_class = rng.integers(len(classes), size=n_same)
    p = rng.integers(counts[same_class])
    q = rng.integers(counts[same_class] - 1)
    q = q + (q >= p)
    # Different classes: class b uniform among the classes other than a.
    class_a = rng.integers(len(classes), size=n_different)
    class_b = rng.integers(len(classes) - 1, size=n_different)
    class_b = class_b + (class_b >= class_a)

    first_class = np.concatenate([same_class, class_a])
    second_class = np.concatenate([same_class, class_b])
    first_pos = np.concatenate([p, rng.integers(counts[class_a])])
    second_pos = np.concatenate([q, rng.integers(counts[class_b])])
    i = order[starts[first_class] + first_pos]
    j = order[starts[second_class] + second_pos]
    labels = np.concatenate([np.ones(n_same), np.zeros(n_different)]).astype(np.float32)
    shuffle = rng.permutation(n_pairs)
    return i[shuffle], j[shuffle], labels[shuffle]


def make_pairs(
    x: np.ndarray, y: np.ndarray, n_pairs: int, *, seed: int | np.random.Generator | None = None,
    same_fraction: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw random pairs of images: `(x[i], x[j], labels)` for `make_pair_indices`' i, j.

    The images keep x's dtype and shape per image (uint8 (n_pairs, 28, 28) for MNIST);
    labels are float32 (n_pairs,), 1.0 = same digit.
    """
    same_length("x", x, "y", y, nouns=("images", "labels"))
    i, j, labels = make_pair_indices(y, n_pairs, seed=seed, same_fraction=same_fraction)
    return x[i], x[j], labels


def _class_index(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group the indices of labels y (N,) by class: `order[starts[c] : starts[c] + counts[c]]`
    are class c's indices."""
    classes, counts = np.unique(y, return_counts=True)
    order = np.argsort(y, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return classes, order, starts, counts


def steps_per_epoch(pairs_per_epoch: int, batch_size: int) -> int:
    """Batches in one epoch; the last may be smaller."""
    return math.ceil(pairs_per_epoch / batch_size)


def shift_offsets(n: int, shift: int, seed) -> np.ndarray:
    """Random offsets for `shift_images`: int32 (n, 4), each in 0 .. 2 * shift.

    Columns: rows and columns of the first images, rows and columns of the second images of n
    pairs. The same seed (an int or a sequence such as [seed, epoch, batch]) gives the same
    offsets.
    """
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(0, 2 * shift + 1, n) for _ in range(4)], axis=1).astype(
        np.int32)


def shift_images(images: np.ndarray, rows: np.ndarray, cols: np.ndarray, shift: int) -> np.ndarray:
    """Move each image of (N, H, W[, C]) by up to `shift` pixels, zero-filled.

    Image n becomes the H x W window starting at row `rows[n]` and column `cols[n]` (each in
    0 .. 2 * shift) of the image padded with `shift` zeros on every side: `shift` is no move.
    """
    n, height, width = images.shape[:3]
    padded = np.pad(images, [(0, 0), (shift, shift), (shift, shift)] + [(0, 0)] * (images.ndim - 3))
    row_index = np.asarray(rows)[:, None] + np.arange(height)
    col_index = np.asarray(cols)[:, None] + np.arange(width)
    return padded[np.arange(n)[:, None, None], row_index[:, :, None], col_index[:, None, :]]


class PairStream(keras.utils.PyDataset):
    """Batches of random pairs for `model.fit`, drawn from uint8 images, fresh every epoch.

    Only pair indices are kept; each batch is converted to float32 when Keras asks for it,
    so memory stays at the images (47 MB for MNIST's training set) plus one batch. `train`
    feeds the same pairs through `tf.data` instead (`pair_dataset`), which is faster and works
    on several devices; this class shows the idea in plain Python.

    Each item is `((a, b), labels)`: a and b float32 (batch, 28, 28, 1) in [0, 1], labels
    float32 (batch,), 1.0 = same digit.

    Args:
        x: images, uint8 (N, 28, 28) or float (N, 28, 28[, 1]) in [0, 1].
        y: labels (N,).
        pairs_per_epoch: pairs drawn for each epoch (the blog: 60,000).
        batch_size: pairs per batch (the blog: 128); the last batch may be smaller.
        seed: the pairs of epoch e (counted from 1, as Keras prints it) are drawn with
            `make_pair_indices(y, pairs_per_epoch, seed=[seed, e])`, so a run is reproducible.
        fresh_each_epoch: False keeps epoch 1's pairs forever (a fixed validation set).
        shift: augmentation: move each image by a random whole number of pixels, up to `shift`
            in each direction (0, the default: no augmentation); the offsets of batch k of
            epoch e come from `shift_offsets(..., seed=[seed, e, k])`.
        first_epoch: the number of the first epoch (1 by default).
        py_dataset_args: `workers`, `use_multiprocessing`, `max_queue_size`, passed on to
            `keras.utils.PyDataset`.
    """

    def __init__(
        self, x: np.ndarray, y: np.ndarray, *, pairs_per_epoch: int = 60_000,
        batch_size: int = 128, seed: int = 0, fresh_each_epoch: bool = True, shift: int = 0,
        first_epoch: int = 1, **py_dataset_args,
    ):
        super().__init__(**py_dataset_args)
        same_length("x", x, "y", y, nouns=("images", "labels"))
        self.x, self.y = x, np.asarray(y)
        self.pairs_per_epoch, self.batch_size = pairs_per_epoch, batch_size
        self.seed, self.fresh_each_epoch, self.shift = seed, fresh_each_epoch, shift
        self.epoch = first_epoch
        self._started = False
        self._draw()

    def _draw(self) -> None:
        self.i, self.j, self.labels = make_pair_indices(
            self.y, self.pairs_per_epoch, seed=[self.seed, self.epoch]
        )

    def __len__(self) -> int:
        return steps_per_epoch(self.pairs_per_epoch, self.batch_size)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range for {len(self)} batches")
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        a, b = self.x[self.i[batch]], self.x[self.j[batch]]
        if self.shift:
            offsets = shift_offsets(len(a), self.shift, [self.seed, self.epoch, index])
            a = shift_images(a, offsets[:, 0], offsets[:, 1], self.shift)
            b = shift_images(b, offsets[:, 2], offsets[:, 3], self.shift)
        return (to_model_input(a), to_model_input(b)), self.labels[batch]

    def on_epoch_begin(self) -> None:
        """Keras calls this before every epoch: the first keeps the pairs drawn at start."""
        if self._started and self.fresh_each_epoch:
            self.epoch += 1
            self._draw()
        self._started = True
