"""Smaller library pieces: pseudo-siamese model, loss gradients, thresholds, neighbours, quiet."""

import os
import subprocess
import sys

import numpy as np
import pytest

import siamese_lib as sl
from siamese_lib.quiet import quiet_native_stderr


def test_pseudo_siamese_has_two_towers_with_their_own_weights():
    model = sl.build_pseudo_siamese("mlp")
    towers = [layer for layer in model.layers if hasattr(layer, "layers")]
    assert len(towers) == 2 and towers[0] is not towers[1]
    assert model.count_params() == 2 * 133_504
    image = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    assert np.all(sl.pair_distances(model, image, image) > 1e-3)  # two different functions


def test_loss_and_gradient_match_the_hand_derivation():
    d = np.array([0.0, 0.25, 0.5, 1.0, 1.5], dtype=np.float32)
    loss, gradient = sl.loss_and_gradient(d, label=1.0)
    np.testing.assert_allclose(loss, d**2, atol=1e-7)
    np.testing.assert_allclose(gradient, 2 * d, atol=1e-6)
    loss, gradient = sl.loss_and_gradient(d, label=0.0, margin=1.0)
    np.testing.assert_allclose(loss, np.maximum(1 - d, 0) ** 2, atol=1e-7)
    np.testing.assert_allclose(gradient, -2 * np.maximum(1 - d, 0), atol=1e-6)


def test_accuracy_vs_threshold_matches_numpy():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 500).astype(np.float32)
    distances = np.abs(rng.normal(0.6 - 0.4 * labels, 0.3)).astype(np.float32)
    thresholds = np.array([0.2, 0.5, 0.8])
    expected = [np.mean((distances < t) == (labels == 1)) for t in thresholds]
    got = sl.accuracy_vs_threshold(thresholds, labels=labels, distances=distances)
    np.testing.assert_allclose(got, expected,
                               atol=1e-6)


@pytest.mark.parametrize("memory_mb", [100.0, 0.002])  # one block; blocks of 4 x 8 rows
def test_nearest_neighbours_match_brute_force(memory_mb):
    rng = np.random.default_rng(2)
    queries, references = rng.normal(size=(9, 4, 4)), rng.normal(size=(50, 4, 4))
    indices, distances = sl.nearest_neighbours(queries, references, k=4, memory_mb=memory_mb)
    full = np.linalg.norm(queries.reshape(9, 1, -1) - references.reshape(1, 50, -1), axis=2)
    np.testing.assert_array_equal(indices, np.argsort(full, axis=1)[:, :4])
    np.testing.assert_allclose(distances, np.sort(full, axis=1)[:, :4], rtol=1e-6)
    with pytest.raises(ValueError, match="k must be between 1 and 50"):
        sl.nearest_neighbours(queries, references, k=51)
    with pytest.raises(ValueError, match="16 values each, references 3"):
        sl.nearest_neighbours(queries, references[:, 0, :3])
    with pytest.raises(ValueError, match="memory_mb must be positive"):
        sl.nearest_neighbours(queries, references, memory_mb=0)


def test_nearest_neighbours_distances_are_exact_where_the_expansion_cancels():
    """|q|^2 - 2 q.r + |r|^2 loses the small distances between large vectors; the distances
    returned are computed from the differences."""
    references = np.array([[1000.0, 1000.0], [1000.0, 1000.001], [0.0, 0.0]], np.float32)
    indices, distances = sl.nearest_neighbours(references[:1], references, k=2)
    assert indices.tolist() == [[0, 1]]
    gap = references[1, 1] - references[0, 1]  # 0.0009765625: 1000.001 as float32, minus 1000
    squared = (references[:1] ** 2).sum() - 2 * references[0] @ references[1] \
        + (references[1] ** 2).sum()
    assert abs(np.sqrt(max(squared, 0)) - gap) > 0.5 * gap  # the expansion is far off
    np.testing.assert_array_equal(distances, [[0.0, gap]])


def test_nearest_neighbours_stay_within_their_memory_budget():
    import tracemalloc

    rng = np.random.default_rng(0)
    queries = rng.integers(0, 256, (2000, 784), dtype=np.uint8)
    references = rng.integers(0, 256, (12000, 784), dtype=np.uint8)
    tracemalloc.start()
    sl.nearest_neighbours(queries, references, k=5, memory_mb=20)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 30e6  # a single (2,000 x 12,000) float32 score matrix alone takes 96 MB


def test_knn_majority_vote_and_tie_break():
    references = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    labels = np.array([7, 3, 3, 5, 5])
    queries = np.array([[0.1], [10.2], [0.9]])
    def classify(k):
        return sl.knn_classify(queries, references=references, reference_labels=labels, k=k)

    assert classify(1).tolist() == [7, 5, 3]
    assert classify(3).tolist() == [3, 5, 3]
    # k=2 at 0.1: one 7 (nearest), one 3: a tie, so the nearest neighbour's label wins.
    assert sl.knn_classify(queries[:1], references=references, reference_labels=labels,
                           k=2).tolist() == [7]


def test_choose_k_scores_each_candidate_like_knn_classify_and_breaks_ties_low():
    references = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    labels = np.array([7, 3, 3, 5, 5])
    queries = np.array([[0.1], [10.2], [0.9]])
    truth = np.array([3, 5, 3])  # the lone 7 at 0.0 misleads k=1 at 0.1
    best_k, accuracies = sl.choose_k(queries, query_labels=truth, references=references,
                                       reference_labels=labels, candidates=(1, 2, 3))
    for k in (1, 2, 3):
        expected = np.mean(sl.knn_classify(queries, references=references,
                                                 reference_labels=labels, k=k) == truth)
        assert accuracies[k] == pytest.approx(expected)
    assert accuracies == pytest.approx({1: 2 / 3, 2: 2 / 3, 3: 1.0})
    assert best_k == 3
    # 1 and 2 tie at 2/3: the smaller k wins.
    assert sl.choose_k(queries, query_labels=truth, references=references,
                       reference_labels=labels, candidates=(2, 1))[0] == 1


def test_knn_on_raw_pixels_classifies_mnist(small_mnist):
    (x, y), (x_test, y_test) = small_mnist
    predicted = sl.knn_classify(x_test[:200], references=x, reference_labels=y, k=1)
    assert np.mean(predicted == y_test[:200]) > 0.85


def test_quiet_native_stderr_discards_fd_2_only_inside_the_block(capfd):
    with quiet_native_stderr():
        os.write(2, b"native noise\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_importing_and_training_prints_no_tensorflow_log_lines():
    code = ("import numpy as np, siamese_lib as sl\n"
            "m = sl.build_siamese()\n"
            "sl.train(m, np.zeros((40, 28, 28), np.uint8), np.arange(40) % 10, epochs=1,\n"
            "         pairs_per_epoch=64, verbose=0)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_CPP", "SIAMESE_LIB"))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, check=True)
    assert result.stderr == ""


def _scored_pairs(seed=0, n=400):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n).astype(np.float32)
    distances = np.round(np.abs(rng.normal(0.8 - 0.5 * labels, 0.3)), 2)  # ties on purpose
    return distances, labels


def test_roc_curve_matches_brute_force_rates():
    distances, labels = _scored_pairs()
    fpr, tpr, thresholds = sl.roc_curve(labels=labels, distances=distances)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    brute_fpr = [np.mean(distances[labels == 0] < t) for t in thresholds]
    brute_tpr = [np.mean(distances[labels == 1] < t) for t in thresholds]
    np.testing.assert_allclose(fpr, brute_fpr)
    np.testing.assert_allclose(tpr, brute_tpr)
    assert np.all(np.diff(thresholds) > 0)


def test_auc_of_perfect_chance_and_reversed_scores():
    labels = np.array([1, 1, 0, 0])
    assert sl.auc(*sl.roc_curve(labels=labels, distances=np.array([0.1, 0.2, 0.8, 0.9]))[:2]) == 1.0
    assert sl.auc(*sl.roc_curve(labels=labels, distances=np.array([0.9, 0.8, 0.2, 0.1]))[:2]) == 0.0
    assert sl.auc(*sl.roc_curve(labels=labels, distances=np.array([0.5, 0.5, 0.5, 0.5]))[:2]) == 0.5


def test_calibrated_threshold_is_the_best_one():
    distances, labels = _scored_pairs(seed=1)
    threshold, accuracy = sl.calibrate_threshold(labels=labels, distances=distances)
    candidates = np.unique(np.r_[distances, distances + 1e-6, distances - 1e-6])
    brute = max(np.mean((distances < t) == (labels == 1)) for t in candidates)
    assert accuracy == pytest.approx(brute)
    assert np.mean((distances < threshold) == (labels == 1)) == pytest.approx(accuracy)


def test_pca_finds_the_widest_directions():
    rng = np.random.default_rng(3)
    data = rng.normal(size=(500, 5)) * np.array([10.0, 0.1, 3.0, 0.1, 0.1])
    points = sl.pca_2d(data)
    assert points.shape == (500, 2)
    spread = points.std(axis=0)
    assert spread[0] == pytest.approx(10, rel=0.1) and spread[1] == pytest.approx(3, rel=0.1)


def test_explained_variance_by_hand():
    # Centred already; variance 18/4 along x, 2/4 along y, none along z: shares 0.9, 0.1, 0.
    points = np.array([[3.0, 0, 0], [-3, 0, 0], [0, 1, 0], [0, -1, 0]], dtype=np.float32)
    ratios = sl.explained_variance(points, 3)
    assert ratios.dtype == np.float64 and ratios.shape == (3,)
    np.testing.assert_allclose(ratios, [0.9, 0.1, 0.0], atol=1e-12)
    np.testing.assert_allclose(sl.explained_variance(points + 5, 1), [0.9])  # shift-invariant
    with pytest.raises(ValueError, match="between 1 and 3"):
        sl.explained_variance(points, 4)


def test_hardest_pairs_are_the_worst_mistakes():
    result = sl.PairEvaluation(accuracy=0, same_accuracy=0, different_accuracy=0, threshold=0.5,
                               distances=np.array([0.1, 0.9, 0.6, 0.05, 0.3, 1.2]),
                               labels=np.array([1, 1, 1, 0, 0, 0.0]),
                               first=np.arange(6), second=np.arange(6))
    same_worst, different_worst = sl.hardest_pairs(result, n=2)
    assert same_worst.tolist() == [1, 2] and different_worst.tolist() == [3, 4]


def test_shift_images_moves_each_image_within_bounds():
    from siamese_lib.pairs import shift_images, shift_offsets

    images = np.zeros((200, 28, 28), np.uint8)
    images[:, 14, 14] = 255
    offsets = shift_offsets(200, 2, seed=0)
    assert offsets.shape == (200, 4) and offsets.min() == 0 and offsets.max() == 4
    shifted = shift_images(images, offsets[:, 0], offsets[:, 1], 2)
    np.testing.assert_array_equal(np.argwhere(shifted[0] == 255)[0],
                                  [14 + 2 - offsets[0, 0], 14 + 2 - offsets[0, 1]])
    where = np.argwhere(shifted == 255)
    assert len(where) == 200  # every dot kept (a 2-pixel move never leaves the frame)
    assert np.abs(where[:, 1:] - 14).max() == 2 and len(np.unique(where[:, 1:], axis=0)) == 25


def test_stream_shift_is_reproducible_and_only_when_asked(small_mnist):
    (x, y), _ = small_mnist
    plain = sl.PairStream(x, y, pairs_per_epoch=256, seed=1)
    shifted = sl.PairStream(x, y, pairs_per_epoch=256, seed=1, shift=2)
    again = sl.PairStream(x, y, pairs_per_epoch=256, seed=1, shift=2)
    np.testing.assert_array_equal(plain[0][0][0], sl.to_model_input(x[plain.i[:128]]))
    assert not np.array_equal(plain[0][0][0], shifted[0][0][0])
    np.testing.assert_array_equal(shifted[0][0][0], again[0][0][0])
    np.testing.assert_array_equal(plain[0][1], shifted[0][1])  # same pairs, same labels


def test_recipes_build_what_they_say(small_mnist):
    from siamese_lib import recipes

    (x, y), _ = small_mnist
    model, history = recipes.train_recipe("cnn", x, y, epochs=1, pairs_per_epoch=256,
                                          verbose=0)
    assert model.get_layer("distance").metric == "euclidean"
    assert isinstance(model.optimizer, __import__("keras").optimizers.Adam)
    assert model.base_network.output_shape == (None, 64)
    with pytest.raises(ValueError, match="recipe must be one of"):
        recipes.train_recipe("transformer", x, y)
