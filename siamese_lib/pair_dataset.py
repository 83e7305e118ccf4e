"""Pair batches as a `tf.data` pipeline: what `train` feeds to `fit`, on one device or many.

The pairs are the ones `PairStream` draws (epoch e, counted from 1 as Keras prints it, with
`make_pair_indices(y, pairs_per_epoch, seed=[seed, e])`), drawn for every epoch up front as
index arrays (12 bytes a pair: 14 MB for the blog's 20 x 60,000). The images stay uint8 in one
tensor; each batch is gathered, shifted and scaled to float32 inside TensorFlow, in parallel
with training, so nothing waits on Python between steps.

Under a `tf.distribute` strategy every global batch is cut into one piece per replica
(replica r of R gets rows `r * m // R` to `(r + 1) * m // R` of a batch of m pairs), and each
worker's input pipeline builds only its own replicas' pieces: workers see different pairs, and
together they see exactly the pairs of a single-device run, batch by batch.
Explained in notebooks/04_training.ipynb.
"""

from __future__ import annotations

import random

import numpy as np
import tensorflow as tf

from .augmentation import distort
from .pairs import make_pair_indices, shift_offsets


def draw_epochs(
    y: np.ndarray, *, epochs: int, pairs_per_epoch: int, batch_size: int, seed: int,
    first_epoch: int = 1, shift: int = 0,
) -> dict[str, np.ndarray]:
    """Every epoch's pairs, flattened epoch after epoch: int32 `first`, `second` (E * n,),
    float32 `labels` (E * n,) and, when `shift` > 0, int32 `offsets` (E * n, 4): the row and
    column offsets (0 .. 2 * shift) of the first and of the second image of each pair."""
    if epochs < 1 or pairs_per_epoch < 1 or batch_size < 1:
        raise ValueError(f"epochs, pairs_per_epoch and batch_size must be at least 1; got "
                         f"{epochs}, {pairs_per_epoch} and {batch_size}.")
    first, second, labels, offsets = [], [], [], []
    for epoch in range(first_epoch, first_epoch + epochs):
        i, j, epoch_labels = make_pair_indices(y, pairs_per_epoch, seed=[seed, epoch])
        first.append(i.astype(np.int32))
        second.append(j.astype(np.int32))
        labels.append(epoch_labels)
        if shift:
            offsets += [shift_offsets(min(batch_size, pairs_per_epoch - start), shift,
                                      [seed, epoch, start // batch_size])
                        for start in range(0, pairs_per_epoch, batch_size)]
    drawn = {"first": np.concatenate(first), "second": np.concatenate(second),
             "labels": np.concatenate(labels)}
    if shift:
        drawn["offsets"] = np.concatenate(offsets)
    return drawn


def shuffled_batch_orders(epochs: int, batches: int) -> np.ndarray:
    """The order of each epoch's batches, int64 (epochs, batches), from Python's `random`.

    Keras shuffles the batches of a `PyDataset` this way (`random.shuffle`, which
    `seed_everything` seeds), so `train` on this pipeline repeats, weight for weight, the runs
    it made on `PairStream`.
    """
    orders = []
    for _ in range(epochs):
        order = list(range(batches))
        random.shuffle(order)
        orders.append(order)
    return np.array(orders, dtype=np.int64).reshape(epochs, batches)


def batch_pieces(
    epochs: int, pairs_per_epoch: int, batch_size: int, *, replicas: int = 1,
    pipeline: int = 0, pipelines: int = 1, batch_order: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Where each piece of each global batch starts and stops in the flattened pairs.

    A global batch of m pairs is cut into `replicas` equal pieces (`replicas` must divide m);
    input pipeline p of `pipelines` keeps the pieces of its replicas (`replicas // pipelines`
    of them, in order). Batches come
    in `batch_order` (epochs, batches), each epoch's batches in the order given, else in
    the order drawn.

    Returns:
        `(starts, stops)`: int64 (epochs * batches * replicas // pipelines,).
    """
    if replicas % pipelines:
        raise ValueError(f"{replicas} replicas cannot be split evenly over {pipelines} "
                         "input pipelines.")
    per_pipeline = replicas // pipelines
    batch_starts = np.arange(0, pairs_per_epoch, batch_size)
    sizes = np.minimum(batch_size, pairs_per_epoch - batch_starts)
    if np.any(sizes % replicas):
        raise ValueError(
            f"Batches of {batch_size} pairs (the last of an epoch: {sizes[-1]}) cannot be cut "
            f"into {replicas} equal pieces, one per replica: choose a batch_size and "
            f"pairs_per_epoch ({pairs_per_epoch}) that the number of replicas divides. (Keras "
            "averages the replicas' losses with equal weights, so unequal pieces would not "
            "train like one device.)")
    if batch_order is None:
        batch_order = np.tile(np.arange(len(batch_starts)), (epochs, 1))
    batch_order = np.asarray(batch_order)
    if batch_order.shape != (epochs, len(batch_starts)):
        raise ValueError(f"batch_order must have shape (epochs, batches) = "
                         f"{(epochs, len(batch_starts))}, got {batch_order.shape}.")
    starts = (np.arange(epochs)[:, None] * pairs_per_epoch + batch_starts[batch_order]).reshape(-1)
    sizes = sizes[batch_order].reshape(-1)
    mine = np.arange(pipeline * per_pipeline, (pipeline + 1) * per_pipeline)
    bounds = starts[:, None] + (np.arange(replicas + 1) * sizes[:, None]) // replicas
    return bounds[:, mine].reshape(-1), bounds[:, mine + 1].reshape(-1)


def pair_dataset(
    x: np.ndarray, y: np.ndarray, *, epochs: int = 1, pairs_per_epoch: int = 60_000,
    batch_size: int = 128, seed: int = 0, shift: int = 0, first_epoch: int = 1,
    replicas: int = 1, pipeline: int = 0, pipelines: int = 1,
    batch_order: np.ndarray | None = None, augment: bool = False,
) -> tf.data.Dataset:
    """Batches of random pairs for `model.fit`, fresh pairs every epoch, as a `tf.data.Dataset`.

    Each element is `((a, b), labels)`: a and b float32 (m, H, W, 1) in [0, 1], labels float32
    (m,), 1.0 = same digit, where m = batch_size (the last batch of an epoch may be smaller).
    The dataset holds `epochs` epochs one after the other: pass
    `steps_per_epoch=steps_per_epoch(pairs_per_epoch, batch_size)` (from `pairs`) to `fit`.

    Args:
        x: images, uint8 (N, H, W) in 0..255 or float (N, H, W[, 1]) in [0, 1].
        y: labels (N,).
        epochs, pairs_per_epoch, batch_size, seed, shift: as in `PairStream`; the pairs and
            shifts are the same, batch by batch.
        first_epoch: the number of the first epoch (pairs of epoch e use the seed [seed, e]).
        replicas, pipeline, pipelines: under a `tf.distribute` strategy, the dataset of input
            pipeline `pipeline` of `pipelines`, yielding per-replica pieces (see
            `distributed_pair_dataset`); the defaults give whole batches.
        batch_order: int (epochs, batches): the order in which each epoch's batches come
            (e.g. `shuffled_batch_orders`); default: the order drawn.
        augment: distort about half of the images (`augmentation.distort`: stroke
            thickness, blur, low resolution, rotation, shear, aspect), seeded by `seed`,
            `first_epoch` and where the piece of the batch starts, so a run repeats exactly
            with the same number of devices (with another number, the pieces, and so the
            distortions, differ).
    """
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} images but y has {len(y)} labels.")
    drawn = draw_epochs(y, epochs=epochs, pairs_per_epoch=pairs_per_epoch,
                        batch_size=batch_size, seed=seed, first_epoch=first_epoch, shift=shift)
    starts, stops = batch_pieces(epochs, pairs_per_epoch, batch_size, replicas=replicas,
                                 pipeline=pipeline, pipelines=pipelines, batch_order=batch_order)
    images = tf.constant(np.asarray(x))
    tensors = {name: tf.constant(values) for name, values in drawn.items()}

    def piece(start, stop):
        pair = slice(start, stop)
        a = tf.gather(images, tensors["first"][pair])
        b = tf.gather(images, tensors["second"][pair])
        if shift:
            offsets = tensors["offsets"][pair]
            a = shifted(a, offsets[:, 0], offsets[:, 1], shift)
            b = shifted(b, offsets[:, 2], offsets[:, 3], shift)
        a, b = model_input(a), model_input(b)
        if augment:
            stream = tf.constant(seed * 1_000_003 + first_epoch, tf.int64)  # resumed runs differ
            a = distort(a, tf.stack([stream, 2 * start]))
            b = distort(b, tf.stack([stream, 2 * start + 1]))
        return (a, b), tensors["labels"][pair]

    dataset = tf.data.Dataset.from_tensor_slices((starts, stops))
    dataset = dataset.map(piece, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)


def distributed_pair_dataset(
    strategy: tf.distribute.Strategy, x: np.ndarray, y: np.ndarray, **pair_args
) -> tf.distribute.DistributedDataset:
    """`pair_dataset` spread over a strategy's replicas: each worker builds its own pieces.

    `pair_args` are those of `pair_dataset`; `batch_size` stays the GLOBAL batch.
    """
    def for_this_worker(context: tf.distribute.InputContext) -> tf.data.Dataset:
        return pair_dataset(x, y, **pair_args, replicas=context.num_replicas_in_sync,
                            pipeline=context.input_pipeline_id,
                            pipelines=context.num_input_pipelines)

    return strategy.distribute_datasets_from_function(for_this_worker)


def model_input(images: tf.Tensor) -> tf.Tensor:
    """A batch of images as float32 (m, H, W, 1) in [0, 1]: uint8 divided by 255."""
    if images.dtype == tf.uint8:
        images = tf.cast(images, tf.float32) / 255.0
    else:
        images = tf.cast(images, tf.float32)
    return images[..., tf.newaxis] if images.shape.rank == 3 else images


def shifted(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor, shift: int) -> tf.Tensor:
    """Images (m, H, W[, C]) moved as `pairs.shift_images` moves them: image n becomes the
    H x W window at row `rows[n]`, column `cols[n]` of the image padded with `shift` zeros."""
    height, width = images.shape[1], images.shape[2]
    padding = [[0, 0], [shift, shift], [shift, shift]] + [[0, 0]] * (images.shape.rank - 3)
    padded = tf.pad(images, padding)
    row_index = rows[:, None] + tf.range(height)[None, :]
    col_index = cols[:, None] + tf.range(width)[None, :]
    picked_rows = tf.gather(padded, row_index, axis=1, batch_dims=1)
    return tf.gather(picked_rows, col_index, axis=2, batch_dims=1)
