"""One-shot episodes, their scoring, the class-batch stream and its affine augmentation."""

import keras
import numpy as np
import pytest

from siamese_lib.class_batches import ClassBatches, random_affine
from siamese_lib.one_shot import (
    OneShotRun,
    embedding_distances,
    make_episodes,
    mean_with_interval,
    one_shot_accuracy,
    pixel_distances,
)


def _toy(n_classes=6, per_class=5, groups=2):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(n_classes), per_class)
    x = rng.integers(0, 256, (len(y), 8, 8), dtype=np.uint8)
    return x, y, y % groups, np.tile(np.arange(per_class), n_classes)


def test_episodes_follow_the_official_layout():
    x, y, groups, drawers = _toy()
    episodes = make_episodes(x, y, n_way=3, n_episodes=20, seed=1, groups=groups,
                             drawers=drawers)
    assert len(episodes) == 20
    for episode in episodes:
        assert episode.train_images.shape == episode.test_images.shape == (3, 8, 8)
        assert sorted(episode.answers.tolist()) == [0, 1, 2]
        train = [np.flatnonzero((x == image).all(axis=(1, 2)))[0] for image in
                 episode.train_images]
        test = [np.flatnonzero((x == image).all(axis=(1, 2)))[0] for image in
                episode.test_images]
        assert len({groups[i] for i in train}) == 1  # one alphabet per episode
        assert len({drawers[i] for i in train}) == 1 and len({drawers[i] for i in test}) == 1
        assert drawers[train[0]] != drawers[test[0]]
        assert [y[train[a]] for a in episode.answers] == [y[t] for t in test]
    again = make_episodes(x, y, n_way=3, n_episodes=20, seed=1, groups=groups, drawers=drawers)
    pairs = zip(episodes, again, strict=True)
    assert all(np.array_equal(a.test_images, b.test_images) for a, b in pairs)


def test_too_many_ways():
    x, y, groups, _ = _toy()
    with pytest.raises(ValueError, match="n_way=4"):
        make_episodes(x, y, n_way=4, n_episodes=1, groups=groups)


def test_accuracy_of_a_perfect_and_a_wrong_distance():
    x, y, _, _ = _toy()
    episodes = make_episodes(x, y, n_way=6, n_episodes=5, seed=0)
    perfect = [OneShotRun(e.name, e.train_images, e.train_images[e.answers], e.answers)
               for e in episodes]
    assert one_shot_accuracy(perfect, pixel_distances)[0] == 1.0
    reverse = one_shot_accuracy(perfect, lambda a, b: -pixel_distances(a, b))[0]
    assert reverse == 0.0
    with pytest.raises(ValueError, match="shape"):
        one_shot_accuracy(perfect, lambda a, b: np.zeros((2, 2)))


def test_mean_with_interval():
    mean, half_width = mean_with_interval(np.array([0.0, 1.0, 0.0, 1.0]))
    assert mean == 0.5
    assert half_width == pytest.approx(1.96 * np.std([0, 1, 0, 1], ddof=1) / 2)


def test_embedding_distances_use_the_network():
    inputs = keras.Input((8, 8, 1))
    net = keras.Model(inputs, keras.layers.Flatten()(inputs))  # embedding = the pixels / 255
    x, _, _, _ = _toy()
    np.testing.assert_allclose(embedding_distances(net)(x[:3], x[3:7]),
                               pixel_distances(x[:3], x[3:7]), rtol=1e-5)


def test_random_affine_identity_and_shift():
    image = np.zeros((1, 9, 9), np.float32)
    image[0, 4, 4] = 1.0
    rng = np.random.default_rng(0)
    same = random_affine(image, rng, rotation=0, shear=0, scale=(1, 1), translate=0)
    np.testing.assert_allclose(same, image, atol=1e-6)
    moved = random_affine(image, rng, rotation=0, shear=0, scale=(1, 1), translate=3)
    assert moved.sum() == pytest.approx(1.0, abs=1e-5)  # moved inside, not lost
    turned = random_affine(np.ones((4, 9, 9)), rng)
    assert turned.shape == (4, 9, 9) and turned.dtype == np.float32 and turned.max() <= 1.0


def test_class_batches():
    x, y, groups, _ = _toy(n_classes=8, per_class=4)
    stream = ClassBatches(x, y, groups=groups, classes_per_batch=3, images_per_class=2,
                          batches_per_epoch=5, same_group=True, rotate_classes=True, seed=0)
    images, labels = stream[0]
    assert images.shape == (6, 8, 8, 1) and images.dtype == np.float32
    assert labels.dtype == np.int32 and np.bincount(labels)[np.unique(labels)].tolist() == [2] * 3
    classes = np.unique(labels // 4)
    assert len({groups[np.flatnonzero(y == c)[0]] for c in classes}) == 1
    turn = labels[0] % 4
    first = images[0, ..., 0]
    assert any(np.allclose(first, np.rot90(x[i], turn) / 255.0) for i in np.flatnonzero(
        y == labels[0] // 4))
    again = ClassBatches(x, y, groups=groups, classes_per_batch=3, images_per_class=2,
                         batches_per_epoch=5, same_group=True, rotate_classes=True, seed=0)
    np.testing.assert_array_equal(again[0][0], images)
    stream.on_epoch_end()
    assert not np.array_equal(stream[0][0], images)
    with pytest.raises(ValueError, match="images_per_class=5"):
        ClassBatches(x, y, images_per_class=5)
    with pytest.raises(ValueError, match="groups="):
        ClassBatches(x, y, same_group=True)


def test_random_affine_identity_and_bilinear_reading_by_whole_pixels():
    image = np.zeros((1, 9, 9), np.float32)
    image[0, 2, 6] = 1.0
    rng = np.random.default_rng(0)
    turned = random_affine(image, rng, rotation=0, shear=0, scale=(1, 1), translate=0)
    np.testing.assert_allclose(turned, image, atol=1e-6)
    from siamese_lib.class_batches import _bilinear

    rows, cols = np.mgrid[0:9, 0:9]
    # Reading the input at (col + 2, row) moves the picture 2 columns to the left.
    moved = _bilinear(image, (cols + 2).reshape(1, -1).astype(float),
                      rows.reshape(1, -1).astype(float)).reshape(1, 9, 9)
    assert moved[0, 2, 4] == pytest.approx(1.0) and moved.sum() == pytest.approx(1.0)


def test_episodes_reject_mismatched_drawers():
    x, y, groups, drawers = _toy()
    with pytest.raises(ValueError, match="drawers has 3 entries"):
        make_episodes(x, y, n_way=2, n_episodes=1, drawers=drawers[:3])
    drawers = drawers.copy()
    drawers[y == 0] = 9  # class 0 drawn by nobody else
    with pytest.raises(ValueError, match="has no image by drawer"):
        make_episodes(x, y, n_way=6, n_episodes=3, drawers=drawers)
