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
    np.testing.assert_allclose(sl.accuracy_vs_threshold(distances, labels, thresholds), expected,
                               atol=1e-6)


def test_nearest_neighbours_match_brute_force():
    rng = np.random.default_rng(2)
    queries, references = rng.normal(size=(9, 4, 4)), rng.normal(size=(50, 4, 4))
    indices, distances = sl.nearest_neighbours(queries, references, k=4, batch_size=4)
    full = np.linalg.norm(queries.reshape(9, 1, -1) - references.reshape(1, 50, -1), axis=2)
    np.testing.assert_array_equal(indices, np.argsort(full, axis=1)[:, :4])
    np.testing.assert_allclose(distances, np.sort(full, axis=1)[:, :4], rtol=1e-4)
    with pytest.raises(ValueError, match="k must be between 1 and 50"):
        sl.nearest_neighbours(queries, references, k=51)
    with pytest.raises(ValueError, match="16 values each, references 3"):
        sl.nearest_neighbours(queries, references[:, 0, :3])


def test_knn_majority_vote_and_tie_break():
    references = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    labels = np.array([7, 3, 3, 5, 5])
    queries = np.array([[0.1], [10.2], [0.9]])
    assert sl.knn_classify(queries, references, labels, k=1).tolist() == [7, 5, 3]
    assert sl.knn_classify(queries, references, labels, k=3).tolist() == [3, 5, 3]
    # k=2 at 0.1: one 7 (nearest), one 3: a tie, so the nearest neighbour's label wins.
    assert sl.knn_classify(queries[:1], references, labels, k=2).tolist() == [7]


def test_knn_on_raw_pixels_classifies_mnist(small_mnist):
    (x, y), (x_test, y_test) = small_mnist
    predicted = sl.knn_classify(x_test[:200], x, y, k=1)
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
