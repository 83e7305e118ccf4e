"""Embeddings: what the shared base network makes of each image, and a 2-D view of them.

Explained in notebooks/06_beyond_the_blog.ipynb.
"""

from __future__ import annotations

import numpy as np


def embed(model, images: np.ndarray, *, batch_size: int = 2048) -> np.ndarray:
    """Embeddings of images through a `SiameseModel`'s shared base network: float32 (N, D).

    The same as `model.embed(images)`.
    """
    return model.embed(images, batch_size=batch_size)


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


