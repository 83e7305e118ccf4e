"""Distortions of training images (`augment=True`): seeded, in range, each one what it says,
never applied to validation pairs."""

import numpy as np
import pytest
import tensorflow as tf

import siamese_lib as sl
from siamese_lib import augmentation, preprocessing
from siamese_lib.augmentation import distort


@pytest.fixture(scope="module")
def digits(mnist):
    (x_train, _), _ = mnist
    return tf.constant(x_train[:64, ..., None].astype(np.float32) / 255.0)


def only(name, monkeypatch):
    """Apply one distortion to every image and no other."""
    monkeypatch.setattr(augmentation, "DISTORTED_SHARE", 1.0)
    monkeypatch.setattr(augmentation, "DISTORTIONS",
                        {key: float(key == name) for key in augmentation.DISTORTIONS})


def test_distortions_are_seeded_and_stay_images(digits):
    first = distort(digits, tf.constant([3, 4], tf.int64)).numpy()
    again = distort(digits, tf.constant([3, 4], tf.int64)).numpy()
    other = distort(digits, tf.constant([3, 5], tf.int64)).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.shape == digits.shape and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0 and first.max(axis=(1, 2, 3)).min() > 0.5
    changed = np.abs(first - digits.numpy()).max(axis=(1, 2, 3)) > 0.05
    unchanged = np.abs(first - digits.numpy()).max(axis=(1, 2, 3)) == 0
    assert 0.25 < changed.mean() < 0.6  # about half distorted (DISTORTED_SHARE) ...
    assert 0.3 < unchanged.mean() < 0.75  # ... the others exactly as they were
    assert changed.mean() + unchanged.mean() > 0.95


def test_thicker_and_thinner_change_the_stroke_width(digits, monkeypatch):
    widths = {}
    for name in ("thicker", "thinner"):
        only(name, monkeypatch)
        out = distort(digits, tf.constant([0, 0], tf.int64)).numpy()[..., 0]
        widths[name] = np.median(preprocessing.mnist_stroke_widths((out * 255).astype(np.uint8)))
    plain = np.median(preprocessing.mnist_stroke_widths(
        (digits.numpy()[..., 0] * 255).astype(np.uint8)))
    assert widths["thinner"] < plain - 0.5 and widths["thicker"] > plain + 0.5


def test_the_affine_distortion_keeps_the_ink_and_its_centre(digits, monkeypatch):
    only("affine", monkeypatch)
    out = distort(digits, tf.constant([1, 1], tf.int64)).numpy()[..., 0]
    before = digits.numpy()[..., 0]
    mass = out.sum(axis=(1, 2)) / before.sum(axis=(1, 2))
    assert 0.6 < np.median(mass) < 1.4  # scaled by 0.85-1.15 on each axis: roughly kept
    rows = np.arange(28)[None, :, None]
    centre = (out * rows).sum(axis=(1, 2)) / out.sum(axis=(1, 2))
    centre_before = (before * rows).sum(axis=(1, 2)) / before.sum(axis=(1, 2))
    assert np.abs(centre - centre_before).max() < 3.0  # turned about the centre


def test_blur_and_low_resolution_soften_edges(digits, monkeypatch):
    def soft(images):
        return np.mean((images > 0.1) & (images < 0.9))

    for name in ("blur", "low_resolution"):
        only(name, monkeypatch)
        out = distort(digits, tf.constant([2, 2], tf.int64)).numpy()
        assert soft(out) > 1.3 * soft(digits.numpy()), name


def test_pair_dataset_distorts_training_pairs_reproducibly(mnist):
    (x_train, y_train), _ = mnist
    args = {"pairs_per_epoch": 256, "batch_size": 128, "seed": 5}
    plain = next(iter(sl.pair_dataset(x_train[:1000], y_train[:1000], **args)))
    first = next(iter(sl.pair_dataset(x_train[:1000], y_train[:1000], augment=True, **args)))
    again = next(iter(sl.pair_dataset(x_train[:1000], y_train[:1000], augment=True, **args)))
    np.testing.assert_array_equal(first[0][0].numpy(), again[0][0].numpy())
    np.testing.assert_array_equal(first[1].numpy(), plain[1].numpy())  # the same pairs ...
    assert not np.allclose(first[0][0].numpy(), plain[0][0].numpy())  # ... distorted
    assert not np.allclose(first[0][0].numpy(), first[0][1].numpy())


def test_the_cnn_recipe_distorts_and_validation_pairs_do_not(mnist, monkeypatch):
    from siamese_lib import recipes, training

    seen = []
    real = training.pair_dataset

    def spy(*args, **kwargs):
        seen.append(kwargs.get("augment", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "pair_dataset", spy)
    (x_train, y_train), _ = mnist
    recipes.train_recipe("cnn", x_train[:600], y_train[:600], epochs=1, pairs_per_epoch=256,
                         verbose=0, validation_data=(x_train[600:900], y_train[600:900]),
                         validation_pairs=256)
    assert seen == [True, False]  # the recipe as shipped: training pairs distorted,
    assert recipes.CNN_AUGMENT  # validation pairs as they are
    seen.clear()
    recipes.train_recipe("cnn", x_train[:600], y_train[:600], epochs=1, pairs_per_epoch=256,
                         verbose=0, augment=False)
    assert seen == [False]  # switched off on request
    seen.clear()
    recipes.train_recipe("blog", x_train[:600], y_train[:600], epochs=1, pairs_per_epoch=256,
                         verbose=0)
    assert seen == [False]  # the blog's recipe never distorts


def test_images_not_drawn_stay_exactly_as_they_were(digits, monkeypatch):
    monkeypatch.setattr(augmentation, "DISTORTED_SHARE", 0.0)
    np.testing.assert_array_equal(distort(digits, tf.constant([7, 7], tf.int64)).numpy(),
                                  digits.numpy())


def test_thicker_and_thinner_never_both(digits, monkeypatch):
    """Half thicker, half thinner, nothing else: each image is exactly one of the two."""
    monkeypatch.setattr(augmentation, "DISTORTED_SHARE", 1.0)
    monkeypatch.setattr(augmentation, "DISTORTIONS", {**dict.fromkeys(
        augmentation.DISTORTIONS, 0.0), "thicker": 0.5, "thinner": 0.5})
    out = distort(digits, tf.constant([3, 9], tf.int64)).numpy()
    dilated = tf.nn.max_pool2d(digits, 3, 1, "SAME").numpy()
    eroded = -tf.nn.max_pool2d(-digits, 3, 1, "SAME").numpy()

    def full_strength(x):
        return x / np.maximum(x.max(axis=(1, 2, 3), keepdims=True), 1e-3)
    is_thicker = np.isclose(out, full_strength(dilated), atol=1e-6).all(axis=(1, 2, 3))
    is_thinner = np.isclose(out, full_strength(eroded), atol=1e-6).all(axis=(1, 2, 3))
    assert (is_thicker ^ is_thinner).all()  # one or the other, never both, never neither
    assert 0.3 < is_thicker.mean() < 0.7
