"""Distortions of handwriting for training: the ways real digits differ from MNIST's.

MNIST's digits were written with similar pens, scanned the same way and normalised by one
recipe; a person's digit drawn on a canvas or photographed is not. `distort` gives every
training image its own random distortion, inside TensorFlow, so that the network learns that
these do not change a digit:

- stroke thickness: two pixels thicker or thinner (a 3x3 grey dilation or erosion: one pixel
  on each side);
- blur (a 3x3 Gaussian) and low resolution (shrunk to 10-16 pixels and enlarged back);
- rotation (up to 15 degrees), shear (up to 0.3), aspect (each axis scaled 0.85-1.15).

The ranges are common values, not tuned; `benchmarks/robust_cnn.py` measures what they do on
validation and test variations (`siamese_lib.variations`). Switched on by `augment=True` in
`train` (and `recipes.train_recipe`); not yet part of the shipped CNN's recipe.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

DISTORTIONS = {
    "thicker": 0.15,  # the chance each image is drawn for each distortion (a thickened image
    # also drawn for thinning is thinned from the original: thicker alone reaches about 13%)
    "thinner": 0.15,
    "blur": 0.15,
    "low_resolution": 0.15,
    "affine": 0.8,
}
MAX_DEGREES = 15.0
MAX_SHEAR = 0.3
ASPECT = (0.85, 1.15)
LOW_SIDES = (10, 16)


def distort(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Each image randomly distorted: float32 (m, H, W, 1) in [0, 1] -> the same shape.

    Args:
        seed: int32 or int64 (2,), a stateless seed: the same seed gives the same distortions.
    """
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), num=7)
    count = tf.shape(images)[0]

    def chosen(name, index):
        draw = tf.random.stateless_uniform([count, 1, 1, 1], seeds[index])
        return draw < DISTORTIONS[name]

    dilated = tf.nn.max_pool2d(images, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    images = tf.where(chosen("thicker", 0), dilated, images)
    images = tf.where(chosen("thinner", 1), eroded, images)
    images = tf.where(chosen("blur", 2), _blurred(images), images)
    images = tf.where(chosen("low_resolution", 3), _low_resolution(images, seeds[4]), images)
    brightest = tf.reduce_max(images, axis=[1, 2, 3], keepdims=True)
    images = images / tf.maximum(brightest, 1e-3)  # a thinned stroke stays full strength
    centre = (tf.cast(tf.shape(images)[1:3], tf.float32) - 1.0) / 2.0
    transformed = keras.ops.image.affine_transform(images, _affine(count, seeds[6], centre),
                                                   interpolation="bilinear",
                                                   fill_mode="constant")
    images = tf.where(chosen("affine", 5), transformed, images)
    return tf.clip_by_value(images, 0.0, 1.0)


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
