"""Pairs: exact same/different split, no self-pairs, uniform class pairs, streaming batches."""

import numpy as np
import pytest

import siamese_lib as sl


def test_exactly_half_same_and_labels_match_classes(mnist):
    (_, y), _ = mnist
    i, j, labels = sl.make_pair_indices(y, 60_000, seed=0)
    assert i.shape == j.shape == labels.shape == (60_000,)
    assert labels.dtype == np.float32
    assert labels.sum() == 30_000
    np.testing.assert_array_equal(labels, (y[i] == y[j]).astype(np.float32))


def test_same_class_pair_is_never_an_image_with_itself():
    y = np.array([0, 0, 1, 1, 2, 2])  # two images per class: self-pairs would be likely
    i, j, labels = sl.make_pair_indices(y, 5_000, seed=1, same_fraction=1.0)
    assert labels.min() == 1.0
    assert np.all(i != j)


def test_different_pairs_spread_uniformly_over_class_pairs(mnist):
    (_, y), _ = mnist
    i, j, labels = sl.make_pair_indices(y, 180_000, seed=2)
    different = labels == 0
    counts = np.zeros((10, 10))
    np.add.at(counts, (y[i[different]], y[j[different]]), 1)
    assert np.all(np.diag(counts) == 0)
    off_diagonal = counts[~np.eye(10, dtype=bool)]
    expected = different.sum() / 90  # 1,000 per ordered class pair
    # Binomial spread: sd ~ 31.5; allow 5 sd.
    assert np.abs(off_diagonal - expected).max() < 5 * np.sqrt(expected)


def test_same_pairs_spread_uniformly_over_classes(mnist):
    (_, y), _ = mnist
    i, _, labels = sl.make_pair_indices(y, 100_000, seed=3)
    per_class = np.bincount(y[i[labels == 1]], minlength=10)
    assert np.abs(per_class - 5_000).max() < 5 * np.sqrt(5_000)


def test_same_fraction_and_odd_counts():
    y = np.repeat(np.arange(4), 5)
    _, _, labels = sl.make_pair_indices(y, 101, seed=0, same_fraction=0.25)
    assert labels.sum() == round(101 * 0.25)
    _, _, labels = sl.make_pair_indices(y, 7, seed=0, same_fraction=0.0)
    assert labels.sum() == 0


def test_same_seed_same_pairs_other_seed_other_pairs():
    y = np.repeat(np.arange(10), 30)
    first = sl.make_pair_indices(y, 500, seed=42)
    again = sl.make_pair_indices(y, 500, seed=42)
    other = sl.make_pair_indices(y, 500, seed=43)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_pairs_come_shuffled():
    y = np.repeat(np.arange(10), 30)
    _, _, labels = sl.make_pair_indices(y, 1_000, seed=0)
    assert 0.3 < labels[:100].mean() < 0.7


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match="at least 2 images"):
        sl.make_pair_indices(np.array([0, 1, 1]), 10, seed=0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        sl.make_pair_indices(np.array([3, 3, 3]), 10, seed=0)
    with pytest.raises(ValueError, match="same_fraction"):
        sl.make_pair_indices(np.array([0, 0, 1, 1]), 10, same_fraction=1.5)
    with pytest.raises(ValueError, match="non-empty 1-D"):
        sl.make_pair_indices(np.zeros((3, 2)), 10)


def test_make_pairs_returns_images(small_mnist):
    (x, y), _ = small_mnist
    a, b, labels = sl.make_pairs(x, y, 64, seed=5)
    i, j, same_labels = sl.make_pair_indices(y, 64, seed=5)
    assert a.dtype == np.uint8 and a.shape == (64, 28, 28)
    np.testing.assert_array_equal(a, x[i])
    np.testing.assert_array_equal(b, x[j])
    np.testing.assert_array_equal(labels, same_labels)


def test_stream_batches_are_float_pairs_with_right_labels(small_mnist):
    (x, y), _ = small_mnist
    stream = sl.PairStream(x, y, pairs_per_epoch=1000, batch_size=128, seed=0)
    assert len(stream) == 8
    (a, b), labels = stream[0]
    assert a.shape == b.shape == (128, 28, 28, 1) and a.dtype == np.float32
    assert labels.shape == (128,) and labels.dtype == np.float32
    np.testing.assert_array_equal(a, x[stream.i[:128], :, :, None] / np.float32(255))
    (a_last, _), labels_last = stream[7]
    assert len(a_last) == len(labels_last) == 1000 - 7 * 128
    with pytest.raises(IndexError):
        stream[8]


def test_stream_draws_fresh_pairs_each_epoch_reproducibly(small_mnist):
    (x, y), _ = small_mnist
    stream = sl.PairStream(x, y, pairs_per_epoch=500, seed=7)
    stream.on_epoch_begin()  # epoch 1 keeps the pairs drawn at start
    first_epoch = stream.i.copy()
    np.testing.assert_array_equal(first_epoch, sl.make_pair_indices(y, 500, seed=[7, 1])[0])
    stream.on_epoch_begin()  # epoch 2
    assert stream.epoch == 2
    np.testing.assert_array_equal(stream.i, sl.make_pair_indices(y, 500, seed=[7, 2])[0])
    fixed = sl.PairStream(x, y, pairs_per_epoch=500, seed=7, fresh_each_epoch=False)
    fixed.on_epoch_begin()
    fixed.on_epoch_begin()
    np.testing.assert_array_equal(fixed.i, first_epoch)


def test_stream_numbers_epochs_as_keras_does_and_passes_py_dataset_args(small_mnist):
    (x, y), _ = small_mnist

    class Recording(sl.PairStream):
        def _draw(self):
            self.drawn = [*getattr(self, "drawn", []), self.epoch]
            super()._draw()

    stream = Recording(x, y, pairs_per_epoch=256, seed=3, workers=2, max_queue_size=4)
    assert stream.workers == 2 and stream.max_queue_size == 4
    model = sl.build_siamese("mlp")
    model.compile(optimizer="rmsprop", loss=sl.ContrastiveLoss())
    model.fit(stream, epochs=3, verbose=0)
    assert stream.drawn == [1, 2, 3]  # one draw per epoch, numbered as Keras prints them
