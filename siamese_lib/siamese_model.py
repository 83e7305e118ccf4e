"""The Siamese model as one object: its base network, its distance, its margin, its threshold.

    model = build_siamese("mlp")                   # a SiameseModel, [a, b] -> distance (batch, 1)
    train(model, x_train, y_train)                 # the contrastive loss with model.margin
    model.calibrate(x_val, y_val)                  # chooses model.threshold on validation pairs
    distances, same = model.verify(a_images, b_images)
    save_model(model, "models/mine.keras")         # all of it, in the one file

Explained in notebooks/02_siamese_networks.ipynb (the structure), 04 (training, the threshold)
and 05 (comparing digits).
"""

from __future__ import annotations

import keras
import numpy as np

from .model import INPUT_SHAPE, PairDistance, build_base_network, to_model_input
from .neighbours import nearest_neighbours
from .verification import PairEvaluation, calibrate_threshold, evaluate_pairs, pair_distances


@keras.saving.register_keras_serializable(package="siamese_lib")
class SiameseModel(keras.Model):
    """A Siamese network: ONE base network applied to two images, then the distance between
    their embeddings.

    Called as `model([a, b])` on two batches of images, float32 (batch, H, W, 1) in [0, 1], it
    returns their distances, float32 (batch, 1). It owns all a comparison needs, and its
    `.keras` file keeps all of it (it loads with `safe_mode=True`):

    - `base_network`: the shared network, image (batch, H, W, 1) -> embedding (batch, D);
    - `distance_layer`: a `PairDistance`, `"euclidean"`, `"squared"` or `"manhattan"`;
    - `margin`: the margin of the contrastive loss it trains with (`train` uses it);
    - `threshold`: pairs closer than this are "same". Until `calibrate` chooses it on
      validation pairs, it is half the margin (the blog's 0.5 for margin 1).

    Its methods take numpy images, uint8 (N, H, W) in 0..255 or float (N, H, W[, 1]) in [0, 1],
    and return numpy arrays: `embed`, `distance`, `verify`, `nearest`, `calibrate`,
    `evaluate_pairs`. Build one with `build_siamese`.
    """

    def __init__(self, base_network: keras.Model, distance: str = "euclidean", *,
                 margin: float = 1.0, threshold: float | None = None, **kwargs):
        kwargs.setdefault("name", "siamese")
        super().__init__(**kwargs)
        self.base_network = base_network
        self.distance_layer = PairDistance(distance, name="distance")
        self.margin = float(margin)
        self.threshold = float(margin / 2 if threshold is None else threshold)

    def call(self, inputs, training=None):
        image_a, image_b = inputs
        embedding_a = self.base_network(image_a, training=training)  # the same network...
        embedding_b = self.base_network(image_b, training=training)  # ...for both images
        return self.distance_layer([embedding_a, embedding_b])

    def build(self, input_shape):
        shape_a, shape_b = input_shape
        self.base_network.build(shape_a)
        embedding_shape = self.base_network.compute_output_shape(shape_a)
        self.distance_layer.build([embedding_shape, embedding_shape])
        self.built = True

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {
            "name": self.name,
            "base_network": keras.saving.serialize_keras_object(self.base_network),
            "distance": self.distance_layer.metric,
            "margin": self.margin,
            "threshold": self.threshold,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        base = keras.saving.deserialize_keras_object(config.pop("base_network"))
        return cls(base, **config)

    # ------------------------------------------------------------- what a trained model is for

    def embed(self, images: np.ndarray, *, batch_size: int = 2048) -> np.ndarray:
        """Embeddings of images through the shared base network: float32 (N, D)."""
        shape = tuple(self.base_network.input_shape[1:])
        chunks = [keras.ops.convert_to_numpy(self.base_network(
            to_model_input(images[k : k + batch_size], shape), training=False))
            for k in range(0, len(images), batch_size)]
        if not chunks:
            return np.zeros((0, self.base_network.output_shape[-1]), np.float32)
        return np.concatenate(chunks).astype(np.float32)

    def distance(self, a: np.ndarray, b: np.ndarray, *, batch_size: int = 1024) -> np.ndarray:
        """Distances between the pairs of images `a[k]`, `b[k]`: float32 (N,)."""
        return pair_distances(self, a, b, batch_size=batch_size,
                              shape=tuple(self.base_network.input_shape[1:]))

    def verify(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each pair's distance, float32 (N,), and verdict, bool (N,): same when d < threshold."""
        distances = self.distance(a, b)
        return distances, distances < self.threshold

    def nearest(self, queries: np.ndarray, references: np.ndarray, *, k: int = 1,
                ) -> tuple[np.ndarray, np.ndarray]:
        """The k references closest to each query, by this model's own distance.

        Images (N, H, W[, 1]) are embedded first; 2-D arrays are taken as embeddings (N, D)
        already made by `embed` (embed a large reference set once, and reuse it).

        Returns:
            `(indices, distances)`: int64 (Q, k) into references, float32 (Q, k), nearest
            first; the distances are those `model([a, b])` computes, up to float rounding.
        """
        query_embeddings, reference_embeddings = (
            array if np.ndim(array) == 2 else self.embed(array) for array in (queries, references))
        return nearest_neighbours(query_embeddings, reference_embeddings, k=k,
                                  metric=self.distance_layer.metric)

    def calibrate(self, x_val: np.ndarray, y_val: np.ndarray, *, n_pairs: int = 10_000,
                  seed: int = 2) -> tuple[float, float]:
        """Choose `threshold` on random pairs of VALIDATION images (never test images), keep it,
        and return it with the pair accuracy it reaches there: `(threshold, accuracy)`.

        A compiled `PairAccuracy` keeps the threshold it was compiled with; `train` compiles
        again, with the model's threshold."""
        pairs = evaluate_pairs(self, x_val, y_val, n_pairs=n_pairs, seed=seed)
        self.threshold, accuracy = calibrate_threshold(labels=pairs.labels,
                                                       distances=pairs.distances)
        return self.threshold, accuracy

    def evaluate_pairs(self, x: np.ndarray, y: np.ndarray, *, n_pairs: int = 10_000,
                       threshold: float | None = None, seed: int = 1) -> PairEvaluation:
        """`verification.evaluate_pairs` at this model's threshold (or the one given)."""
        return evaluate_pairs(self, x, y, n_pairs=n_pairs, seed=seed,
                              threshold=self.threshold if threshold is None else threshold)


def build_siamese(
    base: str | keras.Model = "mlp", distance: str = "euclidean", *, margin: float = 1.0,
    threshold: float | None = None, input_shape: tuple[int, ...] = INPUT_SHAPE,
) -> SiameseModel:
    """A new `SiameseModel`: `[a, b] -> distance`, of shape (batch, 1).

    Both inputs go through the SAME base network object, so there is one set of weights: the
    model has exactly as many parameters as one base network, and the gradients coming from
    the two branches add up in those shared weights.

    Args:
        base: `"mlp"` / `"cnn"` / `"conv4"` (see `build_base_network`), or your own Keras model
            mapping one image to a 1-D embedding.
        distance: `"euclidean"`, `"squared"` or `"manhattan"` (see `PairDistance`).
        margin, threshold: see `SiameseModel` (defaults: the blog's 1 and 0.5).
        input_shape: shape of one image, float32 in [0, 1].
    """
    base_network = (
        build_base_network(base, input_shape=input_shape) if isinstance(base, str) else base
    )
    model = SiameseModel(base_network, distance, margin=margin, threshold=threshold)
    model.build([(None, *input_shape), (None, *input_shape)])
    return model
