"""Batches of a few classes, several images each, for losses that compare a whole batch.

`BatchContrastiveLoss` and `TripletLoss` compare every image of a batch with every other one,
so one batch of P classes x K images gives B(B-1)/2 pairs for the cost of B images (a pair
stream gives B pairs for 2B images). Explained in notebooks/07_one_shot.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np


def random_affine(images: np.ndarray, rng: np.random.Generator, *, rotation: float = 10.0,
                  shear: float = 0.3, scale: tuple[float, float] = (0.8, 1.2),
                  translate: float = 2.0) -> np.ndarray:
    """Distort each image by its own random affine map (Koch et al. 2015's augmentation).

    Args:
        images: (N, H, W) any numeric dtype, ink bright on dark (the ground is 0).
        rng: a numpy Generator.
        rotation: up to this many degrees either way; shear: up to this factor either way;
        scale: each axis scaled by a factor in this range; translate: up to this many pixels.

    Returns:
        float32 (N, H, W): bilinear resampling, 0 outside the image.
    """
    images = np.asarray(images, dtype=np.float32)
    n, height, width = images.shape
    angle = np.deg2rad(rng.uniform(-rotation, rotation, n))
    shear_x, shear_y = rng.uniform(-shear, shear, (2, n))
    scale_x, scale_y = rng.uniform(*scale, (2, n))
    cos, sin = np.cos(angle), np.sin(angle)
    # Forward map: rotation @ shear @ scale. Each output pixel reads the input at its inverse.
    forward = np.stack([
        np.stack([cos * scale_x + -sin * shear_y * scale_x,
                  (cos * shear_x - sin) * scale_y], -1),
        np.stack([sin * scale_x + cos * shear_y * scale_x,
                  (sin * shear_x + cos) * scale_y], -1),
    ], 1)  # (n, 2, 2) acting on (col, row)
    inverse = np.linalg.inv(forward)
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    offset = rng.uniform(-translate, translate, (n, 2))
    rows, cols = np.mgrid[0:height, 0:width]
    grid = np.stack([cols.ravel(), rows.ravel()], 0) - centre[:, None]  # (2, H*W)
    source = (np.einsum("nij,njk->nik", inverse, grid[None] - offset[:, :, None])
              + centre[None, :, None])  # (n, 2, H*W) as (col, row)
    return _bilinear(images, source[:, 0], source[:, 1]).reshape(n, height, width)


def _bilinear(images: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample images (N, H, W) at float columns x and rows y (N, P); 0 outside."""
    n, height, width = images.shape
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
    flat = images.reshape(n, -1)

    def pixel(r, c):
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        index = np.clip(r, 0, height - 1) * width + np.clip(c, 0, width - 1)
        return np.take_along_axis(flat, index, axis=1) * inside

    return ((1 - fy) * ((1 - fx) * pixel(y0, x0) + fx * pixel(y0, x0 + 1))
            + fy * ((1 - fx) * pixel(y0 + 1, x0) + fx * pixel(y0 + 1, x0 + 1)))


class ClassBatches(keras.utils.PyDataset):
    """Batches of `classes_per_batch` classes x `images_per_class` images, fresh every epoch.

    Each item is `(images, labels)`: float32 (B, H, W, 1) in [0, 1] and int32 (B,), with
    B = classes_per_batch * images_per_class (fewer classes when a group holds fewer). A label
    is `4 * k + turn`, k the class's position in `np.unique(y)` and turn its quarter turns
    (always 0 without `rotate_classes`): equal labels mean the same class, the same way up,
    which is all `BatchContrastiveLoss` and `TripletLoss` need.

    Args:
        x: uint8 images (N, H, W), ink bright. y: class ids (N,).
        groups: optional (N,) group of each image's class (Omniglot: its alphabet); with
            `same_group=True` all the classes of a batch come from one group, so the network
            learns to tell apart characters that look alike (the one-shot test asks exactly
            that: 20 characters of one alphabet).
        rotate_classes: also use each class turned by 90, 180 and 270 degrees as three new
            classes (Santoro et al. 2016; Vinyals et al. 2016): four times the classes.
        augment: distort every image by `random_affine`.
        batches_per_epoch: batches in one epoch; seed: epoch e of a run draws with [seed, e].
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, *, groups: np.ndarray | None = None,
                 classes_per_batch: int = 32, images_per_class: int = 4,
                 batches_per_epoch: int = 100, same_group: bool = False,
                 rotate_classes: bool = False, augment: bool = False, seed: int = 0):
        super().__init__()
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim != 3 or len(x) != len(y):
            raise ValueError(f"x must be images (N, H, W) with one label each; got x {x.shape} "
                             f"and y {y.shape}.")
        if same_group and groups is None:
            raise ValueError("same_group=True needs groups= (one group per image).")
        if groups is not None and len(groups) != len(y):
            raise ValueError(f"groups has {len(groups)} entries but y has {len(y)}.")
        self.x = x
        self.classes, self.labels = np.unique(y, return_inverse=True)
        self.members = [np.flatnonzero(self.labels == c) for c in range(len(self.classes))]
        if min(len(m) for m in self.members) < images_per_class:
            raise ValueError(f"every class needs at least images_per_class={images_per_class} "
                             "images.")
        group_of_class = np.zeros(len(self.classes), np.int64)
        if groups is not None:
            groups = np.asarray(groups)
            if any(len(np.unique(groups[m])) > 1 for m in self.members):
                raise ValueError("every class must lie in one group (one alphabet per character).")
            group_of_class = groups[[m[0] for m in self.members]]
        self.group_classes = [np.flatnonzero(group_of_class == g)
                              for g in np.unique(group_of_class)]
        self.classes_per_batch, self.images_per_class = classes_per_batch, images_per_class
        self.batches_per_epoch, self.same_group = batches_per_epoch, same_group
        self.rotate_classes, self.augment, self.seed = rotate_classes, augment, seed
        self.epoch = 0

    def __len__(self) -> int:
        return self.batches_per_epoch

    def _pick_classes(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(class ids, quarter turns) of one batch, all distinct (class, turn) pairs."""
        turns = 4 if self.rotate_classes else 1
        if self.same_group:
            pool = self.group_classes[rng.integers(len(self.group_classes))]
        else:
            pool = np.arange(len(self.classes))
        if self.same_group and self.rotate_classes:  # one turn per batch: a rotated alphabet
            chosen = rng.choice(len(pool), min(self.classes_per_batch, len(pool)), replace=False)
            return pool[chosen], np.full(len(chosen), rng.integers(4))
        n = min(self.classes_per_batch, len(pool) * turns)
        chosen = rng.choice(len(pool) * turns, n, replace=False)
        return pool[chosen // turns], chosen % turns

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range for {len(self)} batches")
        rng = np.random.default_rng([self.seed, self.epoch, index])
        classes, turns = self._pick_classes(rng)
        picks = np.concatenate([rng.choice(self.members[c], self.images_per_class, replace=False)
                                for c in classes])
        turns = np.repeat(turns, self.images_per_class)
        images = np.stack([np.rot90(self.x[i], t) for i, t in zip(picks, turns, strict=True)])
        images = images.astype(np.float32)
        if self.augment:
            images = random_affine(images, rng)
        labels = np.repeat(classes * 4, self.images_per_class) + turns
        return (images / np.float32(255.0))[..., np.newaxis], labels.astype(np.int32)

    def on_epoch_end(self) -> None:
        self.epoch += 1

