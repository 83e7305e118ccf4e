"""The Siamese network: ONE base network applied to two images, then a distance.

Explained in notebooks/02_siamese_networks.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

INPUT_SHAPE = (28, 28, 1)
DISTANCES = ("euclidean", "squared", "manhattan")
PIXEL_TOLERANCE = 1e-6  # how far outside [0, 1] a float pixel may stray (rounding)


def to_model_input(images: np.ndarray, shape: tuple[int, ...] = INPUT_SHAPE) -> np.ndarray:
    """Images as the network expects them: float32 (N, *shape) in [0, 1], (N, 28, 28, 1) by
    default.

    Accepts uint8 images in 0..255 (divided by 255), or images already in [0, 1]: float, bool
    (0.0 / 1.0) or another integer dtype holding only 0 and 1; with or without the channel
    axis: (N, 28, 28), (N, 28, 28, 1).

    Raises:
        ValueError: a wrong shape, or values the network would misread (see
            `check_pixel_values`): float images in 0..255 are refused, not passed on unscaled.
    """
    images = np.asarray(images)
    shape = tuple(shape)
    if images.ndim == len(shape):
        images = images[..., np.newaxis]
    if images.ndim != len(shape) + 1 or images.shape[1:] != shape:
        raise ValueError(f"Expected images of shape (N, {', '.join(map(str, shape[:-1]))}) or "
                         f"(N, {', '.join(map(str, shape))}), got {images.shape}.")
    check_pixel_values(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32, copy=False)


def check_pixel_values(images: np.ndarray, name: str = "images") -> None:
    """Refuse pixel values the network would misread; uint8 images (0..255) always pass.

    Any other dtype must hold finite values in [0, 1], give or take `PIXEL_TOLERANCE` (float32
    rounding: a box-filtered white pixel can come out as 1.0000001). Bool passes (0 / 1);
    complex, text and object arrays are refused. The commonest mistake caught: float images
    still in 0..255, which the network would take as 255 times too bright.

    Raises:
        ValueError: naming `name`, the range found and what to do.
    """
    images = np.asarray(images)
    if images.dtype == np.uint8 or images.dtype == np.bool_ or images.size == 0:
        return
    if not (np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)):
        raise ValueError(f"{name} must hold numbers (uint8 in 0..255, or float in [0, 1]), got "
                         f"dtype {images.dtype}.")
    low, high = float(np.min(images)), float(np.max(images))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name} holds NaN or infinite values: images must be finite, uint8 "
                         "in 0..255 or float in [0, 1]. Check how they were made (a division "
                         "by zero?).")
    if low < -PIXEL_TOLERANCE or high > 1.0 + PIXEL_TOLERANCE:
        raise ValueError(
            f"{name} holds {images.dtype} values from {low:g} to {high:g}, outside [0, 1]. The "
            "network expects uint8 images in 0..255 or float images in [0, 1]: if they are in "
            f"0..255, divide them by 255 ({name} / 255) or pass them as uint8 "
            f"({name}.astype(np.uint8)); else scale them into [0, 1].")


def build_base_network(
    kind: str = "mlp", *, input_shape: tuple[int, ...] = INPUT_SHAPE,
    embedding_dim: int | None = None,
) -> keras.Model:
    """The network that maps one image to its embedding: (batch, 28, 28, 1) -> (batch, D).

    Args:
        kind: `"mlp"` is exactly the blog's network (Flatten, then Dense(128, relu),
            Dropout(0.1), Dense(128, relu), Dropout(0.1), Dense(128, relu): 133,504
            parameters, D = 128). `"cnn"` is a small convolutional network: three 3x3
            convolutions without padding (32, 64, 128 filters; 2x2 max pooling after the first
            two), Dense(256, relu), Dropout(0.2), Dense(64), and the embedding scaled to
            length 1 (`UnitNormalization`), so every distance lies in [0, 2] (404,288
            parameters, D = 64). Explained in notebooks/06_beyond_the_blog.ipynb.
            `"conv4"` is the few-shot learning literature's "Conv-4" (Vinyals et al. 2016,
            Snell et al. 2017): four blocks of a 3x3 convolution with 64 filters and "same"
            padding, batch normalisation, ReLU and 2x2 max pooling, then Dense(64) and
            `UnitNormalization` (116,352 parameters at 28x28, D = 64). Explained in
            notebooks/07_one_shot.ipynb.
        input_shape: shape of one image.
        embedding_dim: size of the embedding D, if not the default.
    """
    inputs = keras.Input(shape=input_shape, name="image")
    if kind == "mlp":
        x = layers.Flatten(name="flatten")(inputs)
        x = layers.Dense(128, activation="relu", name="dense_1")(x)
        x = layers.Dropout(0.1, name="dropout_1")(x)
        x = layers.Dense(128, activation="relu", name="dense_2")(x)
        x = layers.Dropout(0.1, name="dropout_2")(x)
        outputs = layers.Dense(embedding_dim or 128, activation="relu", name="embedding")(x)
    elif kind == "cnn":
        x = layers.Conv2D(32, 3, activation="relu", name="conv_1")(inputs)  # (26, 26, 32)
        x = layers.MaxPooling2D(name="pool_1")(x)  # (13, 13, 32)
        x = layers.Conv2D(64, 3, activation="relu", name="conv_2")(x)  # (11, 11, 64)
        x = layers.MaxPooling2D(name="pool_2")(x)  # (5, 5, 64)
        x = layers.Conv2D(128, 3, activation="relu", name="conv_3")(x)  # (3, 3, 128)
        x = layers.Flatten(name="flatten")(x)  # (1152,)
        x = layers.Dense(256, activation="relu", name="dense")(x)
        x = layers.Dropout(0.2, name="dropout")(x)
        x = layers.Dense(embedding_dim or 64, name="projection")(x)
        outputs = layers.UnitNormalization(name="embedding")(x)
    elif kind == "conv4":
        x = inputs
        for block in range(1, 5):  # 28 -> 14 -> 7 -> 3 -> 1
            x = layers.Conv2D(64, 3, padding="same", use_bias=False, name=f"conv_{block}")(x)
            x = layers.BatchNormalization(name=f"norm_{block}")(x)
            x = layers.ReLU(name=f"relu_{block}")(x)
            x = layers.MaxPooling2D(name=f"pool_{block}")(x)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(embedding_dim or 64, name="projection")(x)
        outputs = layers.UnitNormalization(name="embedding")(x)
    else:
        raise ValueError(f"kind must be 'mlp', 'cnn' or 'conv4', not {kind!r}.")
    return keras.Model(inputs, outputs, name=f"base_network_{kind}")


@keras.saving.register_keras_serializable(package="siamese_lib")
class PairDistance(layers.Layer):
    """Distance between two embeddings: [(batch, D), (batch, D)] -> (batch, 1).

    metric:
        `"euclidean"`: sqrt(sum((e1 - e2)^2)), the blog's distance. The sum is clipped below at
            `epsilon` before the square root, so the gradient stays finite when e1 == e2
            (d/ds sqrt(s) is infinite at s = 0).
        `"squared"`: sum((e1 - e2)^2), the blog's squared-difference mapping, summed.
        `"manhattan"`: sum(|e1 - e2|), the blog's absolute-difference mapping, summed.

    A registered layer rather than a `Lambda`, so a saved model loads with `safe_mode=True`.
    """

    def __init__(self, metric: str = "euclidean", epsilon: float = 1e-7, **kwargs):
        super().__init__(**kwargs)
        if metric not in DISTANCES:
            raise ValueError(f"metric must be one of {DISTANCES}, not {metric!r}.")
        self.metric = metric
        self.epsilon = epsilon

    def call(self, inputs):
        first, second = inputs
        difference = first - second
        if self.metric == "manhattan":
            return ops.sum(ops.abs(difference), axis=1, keepdims=True)
        squared_sum = ops.sum(ops.square(difference), axis=1, keepdims=True)
        if self.metric == "squared":
            return squared_sum
        return ops.sqrt(ops.maximum(squared_sum, self.epsilon))

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {**super().get_config(), "metric": self.metric, "epsilon": self.epsilon}


def build_pseudo_siamese(
    base: str = "mlp", distance: str = "euclidean", *, input_shape: tuple[int, ...] = INPUT_SHAPE,
) -> keras.Model:
    """A pseudo-siamese model, for contrast: TWO base networks, one per input, own weights each.

    Same inputs and output as `build_siamese`, twice the parameters, and nothing forces the
    two embeddings to live in the same space. A plain functional model, not a `SiameseModel`:
    it has no single base network to embed with. Explained in notebooks/02_siamese_networks.ipynb.
    """
    image_a = keras.Input(shape=input_shape, name="image_a")
    image_b = keras.Input(shape=input_shape, name="image_b")
    tower_a = build_base_network(base, input_shape=input_shape)
    tower_b = build_base_network(base, input_shape=input_shape)
    tower_a.name, tower_b.name = f"{tower_a.name}_a", f"{tower_b.name}_b"
    d = PairDistance(distance, name="distance")([tower_a(image_a), tower_b(image_b)])
    return keras.Model([image_a, image_b], d, name="pseudo_siamese")
