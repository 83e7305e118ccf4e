"""The batch losses (in-batch contrastive, semi-hard triplet) against plain numpy loops."""

import keras
import numpy as np
import pytest

from siamese_lib.losses import BatchContrastiveLoss, TripletLoss, pairwise_distances


def numpy_distances(e):
    return np.sqrt(((e[:, None, :] - e[None, :, :]) ** 2).sum(-1))


def numpy_batch_contrastive(labels, e, margin):
    d = numpy_distances(e)
    same, different = [], []
    for i in range(len(e)):
        for j in range(len(e)):
            if i == j:
                continue
            if labels[i] == labels[j]:
                same.append(d[i, j] ** 2)
            else:
                different.append(max(margin - d[i, j], 0.0) ** 2)
    return 0.5 * (np.mean(same) + np.mean(different))


def numpy_semi_hard_triplet(labels, e, margin):
    """Schroff et al. 2015 semi-hard mining, written as loops over anchors and positives."""
    d = numpy_distances(e)
    losses = []
    for a in range(len(e)):
        negatives = [n for n in range(len(e)) if labels[n] != labels[a]]
        for p in range(len(e)):
            if p == a or labels[p] != labels[a]:
                continue
            semi_hard = [d[a, n] for n in negatives if d[a, n] > d[a, p]]
            d_an = min(semi_hard) if semi_hard else max(d[a, n] for n in negatives)
            losses.append(max(d[a, p] - d_an + margin, 0.0))
    return np.mean(losses)


@pytest.fixture
def batch():
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(6), 4)
    rng.shuffle(labels)
    e = rng.normal(size=(24, 8)).astype(np.float32)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    return labels, e


def test_pairwise_distances(batch):
    _, e = batch
    got = keras.ops.convert_to_numpy(pairwise_distances(keras.ops.convert_to_tensor(e)))
    np.testing.assert_allclose(got, numpy_distances(e), atol=2e-3)
    assert np.all(np.diag(got) == 0)


@pytest.mark.parametrize("margin", [0.5, 1.0, 1.5])
def test_batch_contrastive_matches_numpy(batch, margin):
    labels, e = batch
    got = float(BatchContrastiveLoss(margin)(labels, e))
    assert got == pytest.approx(numpy_batch_contrastive(labels, e, margin), rel=1e-4)


@pytest.mark.parametrize("margin", [0.2, 0.5, 1.0])
def test_triplet_matches_numpy(batch, margin):
    labels, e = batch
    got = float(TripletLoss(margin)(labels, e))
    want = numpy_semi_hard_triplet(labels, e, margin)
    assert want > 0
    assert got == pytest.approx(want, rel=1e-4)


def test_triplet_is_zero_when_classes_are_far_apart():
    """Each class at its own corner, far beyond the margin: no triplet contributes."""
    labels = np.repeat(np.arange(3), 2)
    e = np.repeat(np.eye(3, dtype=np.float32) * 5.0, 2, axis=0)
    assert float(TripletLoss(0.5)(labels, e)) == pytest.approx(0.0, abs=1e-3)
    assert float(BatchContrastiveLoss(1.0)(labels, e)) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("loss", [TripletLoss(0.3), BatchContrastiveLoss(0.7)])
def test_batch_losses_serialize(loss):
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is type(loss) and restored.margin == loss.margin


def test_batch_losses_train_a_tiny_model(batch):
    """A few steps of gradient descent lower the triplet loss: the gradients are real."""
    labels, _ = batch
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 5)) * 3
    x = (centres[labels] + rng.normal(size=(24, 5))).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4),
                              keras.layers.UnitNormalization()])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=TripletLoss(0.5))
    history = model.fit(x, labels, batch_size=24, epochs=60, verbose=0, shuffle=False)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_triplet_falls_back_to_the_farthest_negative():
    """When every negative is closer than the positive, the farthest negative is used."""
    labels = np.array([0, 0, 1, 1])
    e = np.array([[0, 0], [3, 0], [1, 0], [1.5, 0]], dtype=np.float32)
    # anchor 0: d(a, p) = 3, negatives at 1 and 1.5 -> 3 - 1.5 + 0.5 = 2.0
    # anchor 1: d(a, p) = 3, negatives at 2 and 1.5 -> 3 - 2 + 0.5 = 1.5
    # anchor 2: d(a, p) = 0.5, negatives at 1 (semi-hard, > 0.5) and 2 -> 0.5 - 1 + 0.5 = 0
    # anchor 3: d(a, p) = 0.5, negatives at 1.5 and 1.5 -> 0.5 - 1.5 + 0.5 = 0 (clipped)
    assert float(TripletLoss(0.5)(labels, e)) == pytest.approx((2.0 + 1.5) / 4, rel=1e-4)
    assert numpy_semi_hard_triplet(labels, e, 0.5) == pytest.approx((2.0 + 1.5) / 4)


def test_gradients_stay_finite_for_identical_embeddings():
    import tensorflow as tf

    e = tf.Variable(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], np.float32))
    labels = np.array([0, 0, 1])
    for loss in (TripletLoss(0.5), BatchContrastiveLoss(1.0)):
        with tf.GradientTape() as tape:
            value = loss(labels, e)
        assert np.all(np.isfinite(tape.gradient(value, e).numpy()))
