"""Distortions of handwriting for training: the ways real digits differ from MNIST's.

MNIST's digits were written with similar pens, scanned the same way and normalised by one
recipe; a person's digit drawn on a canvas or photographed is not. `distort` draws half of the
training images (`DISTORTED_SHARE`) for distortion and gives each its own random mix, inside
TensorFlow, so that the network learns that these do not change a digit; the other half stay
as MNIST wrote them, so that MNIST itself is not forgotten:

- stroke thickness: two pixels thicker or thinner (a 3x3 grey dilation or erosion: one pixel
  on each side);
- blur (a 3x3 Gaussian) and low resolution (shrunk to 10-16 pixels and enlarged back);
- rotation (up to 15 degrees), shear (up to 0.3), aspect (each axis scaled 0.85-1.15).

The ranges are common values, not tuned. The share of images drawn, a half, was chosen on
validation images in exploratory runs; `benchmarks/distortion_share.py` repeats that study and,
in one run per share, favours drawing all of them (an open question: notebook 06, section 3.1).
`benchmarks/robust_cnn.py` measures what the distortions do, on validation and test variations
(`siamese_lib.variations`). Switched on by `augment=True` in `train` and `recipes.train_recipe`
(the CNN recipe's default, `recipes.CNN_AUGMENT`).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

DISTORTED_SHARE = 0.5  # the chance that an image is drawn for distortion; the others stay as
# they are (a drawn image escapes all five with chance 0.7 x 0.85 x 0.85 x 0.2, about 0.1)
DISTORTIONS = {  # for a drawn image, the chance of each distortion (several may apply)
    "thicker": 0.15,  # thicker and thinner exclude each other: 15% each
    "thinner": 0.15,
    "blur": 0.15,
    "low_resolution": 0.15,
    "affine": 0.8,
}
MAX_DEGREES = 15.0
MAX_SHEAR = 0.3
ASPECT = (0.85, 1.15)
LOW_SIDES = (10, 16)
# One random stream per choice, split from the seed in this order (changing the order changes
# every run; "spare" is drawn but unused, so that the shipped CNN's run repeats exactly).
SEED_STREAMS = ("stroke", "spare", "blur", "low_resolution", "low_side", "affine",
                "affine_draws", "drawn")


def distort(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Each image randomly distorted: float32 (m, H, W, 1) in [0, 1] -> the same shape.

    Each distortion is computed for the images drawn for it only (gathered, distorted and put
    back), which spares the training pipeline most of the work.

    Args:
        seed: int32 or int64 (2,), a stateless seed: the same seed gives the same distortions.
    """
    seeds = dict(zip(SEED_STREAMS, tf.unstack(tf.random.experimental.stateless_split(
        tf.cast(seed, tf.int64), num=len(SEED_STREAMS))), strict=True))
    count = tf.shape(images)[0]
    drawn = tf.random.stateless_uniform([count], seeds["drawn"]) < DISTORTED_SHARE

    def chosen(name):
        return drawn & (tf.random.stateless_uniform([count], seeds[name]) < DISTORTIONS[name])

    stroke = tf.random.stateless_uniform([count], seeds["stroke"])  # thicker or thinner, or not
    thicker = drawn & (stroke < DISTORTIONS["thicker"])
    thinner = drawn & ~thicker & (stroke < DISTORTIONS["thicker"] + DISTORTIONS["thinner"])
    images = _apply(images, thicker, lambda x: tf.nn.max_pool2d(x, 3, 1, "SAME"))
    images = _apply(images, thinner, lambda x: -tf.nn.max_pool2d(-x, 3, 1, "SAME"))
    images = _apply(images, chosen("blur"), _blurred)
    images = _apply(images, chosen("low_resolution"),
                    lambda x: _low_resolution(x, seeds["low_side"]))
    images = _apply(images, drawn, _full_strength)
    centre = (tf.cast(tf.shape(images)[1:3], tf.float32) - 1.0) / 2.0
    images = _apply(images, chosen("affine"), lambda x: keras.ops.image.affine_transform(
        x, _affine(tf.shape(x)[0], seeds["affine_draws"], centre), interpolation="bilinear",
        fill_mode="constant"))
    return tf.clip_by_value(images, 0.0, 1.0)


def _apply(images: tf.Tensor, chosen: tf.Tensor, transform) -> tf.Tensor:
    """`transform` applied to the chosen images only (bool (m,)); the others as they are."""
    where = tf.where(chosen)  # int64 (k, 1)
    return tf.tensor_scatter_nd_update(images, where, transform(tf.gather_nd(images, where)))


def _full_strength(images: tf.Tensor) -> tf.Tensor:
    """Each image divided by its brightest pixel: a thinned or blurred stroke stays at full ink."""
    return images / tf.maximum(tf.reduce_max(images, axis=[1, 2, 3], keepdims=True), 1e-3)


def _blurred(images: tf.Tensor) -> tf.Tensor:
    """A 3x3 Gaussian blur (sigma about 0.85 pixels)."""
    weights = tf.constant([0.25, 0.5, 0.25])
    kernel = tf.reshape(weights[:, None] * weights[None, :], [3, 3, 1, 1])
    return tf.nn.conv2d(images, kernel, 1, "SAME")


def _low_resolution(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Shrunk to a side of LOW_SIDES (one random side per batch) and enlarged back."""
    side = tf.random.stateless_uniform([], seed, LOW_SIDES[0], LOW_SIDES[1] + 1, tf.int32)
    size = tf.shape(images)[1:3]
    small = tf.image.resize(images, [side, side], method="area")
    return tf.image.resize(small, size, method="bilinear")


def _affine(count: tf.Tensor, seed: tf.Tensor, centre: tf.Tensor) -> tf.Tensor:
    """(m, 8) inverse affine transforms about `centre` (row, column): rotation, shear, aspect."""
    draws = tf.random.stateless_uniform([count, 4], seed, -1.0, 1.0)
    angle = draws[:, 0] * MAX_DEGREES * math.pi / 180
    shear = draws[:, 1] * MAX_SHEAR
    low, high = ASPECT
    scale_x = (low + high) / 2 + draws[:, 2] * (high - low) / 2
    scale_y = (low + high) / 2 + draws[:, 3] * (high - low) / 2
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Output point -> input point: the inverse of scale, then shear, then rotate.
    a0, a1 = cos / scale_x, (sin + shear * cos) / scale_x
    b0, b1 = -sin / scale_y, (cos - shear * sin) / scale_y
    row, col = centre[0], centre[1]
    a2 = col - a0 * col - a1 * row
    b2 = row - b0 * col - b1 * row
    zeros = tf.zeros_like(a0)
    return tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
