"""Figures: each draws what it says, and save_fig writes a real PNG atomically."""

import os
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import siamese_lib as sl
from siamese_lib.plotting import save_fig


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_save_fig_writes_a_png_and_leaves_no_temporary_file(tmp_path):
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    path = save_fig(fig, "line", folder=tmp_path)
    assert path == tmp_path / "line.png"
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 50
    assert [p.name for p in tmp_path.iterdir()] == ["line.png"]


def test_digit_grid_has_one_titled_axis_per_digit(small_mnist):
    (x, y), _ = small_mnist
    fig = sl.plotting.plot_digits(x[:13], y[:13], n_cols=5)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(fig.axes) == 15 and len(visible) == 13
    assert [ax.get_title() for ax in visible[:3]] == [str(v) for v in y[:3]]


def test_class_means_are_the_means(small_mnist):
    (x, y), _ = small_mnist
    fig = sl.plotting.plot_class_means(x, y)
    shown = fig.axes[3].images[0].get_array()
    np.testing.assert_allclose(shown, x[y == 3].mean(axis=0) / 255, rtol=1e-6)


def test_pair_gallery_colours_right_and_wrong_verdicts():
    a = np.zeros((2, 28, 28), np.uint8)
    fig = sl.plotting.plot_pairs(a, a, np.array([0.2, 0.2]), np.array([1.0, 0.0]), n_cols=2)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in fig.axes]
    assert titles[:2] == [("d = 0.200", "tab:green"), ("same", "tab:green")]
    assert titles[2:] == [("d = 0.200", "tab:red"), ("same", "tab:red")]
    fig = sl.plotting.plot_pairs(a, a, np.array([0.2, 0.9]), np.array([1.0, 0.0]), n_cols=1,
                                 digits=(np.array([4, 3]), np.array([4, 8])))
    assert [ax.get_title() for ax in fig.axes] == ["4: d = 0.200", "4: same",
                                                   "3: d = 0.900", "8: different"]


def test_training_curves_plot_train_validation_and_blog():
    history = {"loss": [0.3, 0.2], "pair_accuracy": [0.8, 0.9],
               "val_loss": [0.25, 0.22], "val_pair_accuracy": [0.85, 0.88]}
    fig = sl.plotting.plot_training_curves(history, blog_reference=history)
    assert [len(ax.lines) for ax in fig.axes] == [3, 3]
    np.testing.assert_array_equal(fig.axes[0].lines[1].get_ydata(), [0.85, 0.88])
    assert fig.axes[0].lines[1].get_label() == "validation pairs"


def test_network_drawing_lists_every_base_layer():
    fig = sl.plotting.draw_network(sl.build_siamese("mlp"))
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    for name in ("flatten", "dense_1", "dropout_1", "dense_2", "dropout_2", "embedding",
                 "133,504 parameters, shared", "euclidean"):
        assert name in text


@pytest.mark.parametrize("shared, expected", [(True, "shared weights"), (False, "own weights")])
def test_schematic_says_whether_weights_are_shared(shared, expected):
    fig = sl.plotting.draw_siamese_schematic(shared=shared)
    assert any(expected in t.get_text() for t in fig.axes[0].texts)


def test_loss_gradient_histogram_and_threshold_plots():
    d = np.linspace(0, 2, 5)
    fig = sl.plotting.plot_loss_and_gradient(d, {"same": (d**2, 2 * d)}, margin=1.0)
    np.testing.assert_array_equal(fig.axes[1].lines[0].get_ydata(), 2 * d)
    labels = np.array([1, 1, 0, 0.0])
    fig = sl.plotting.plot_distance_histograms(np.array([0.1, 0.2, 0.9, 1.2]), labels)
    assert sum(p.get_height() for p in fig.axes[0].patches) == 4
    fig = sl.plotting.plot_accuracy_vs_threshold(np.array([0.3, 0.5, 0.7]),
                                                 np.array([0.8, 0.95, 0.9]))
    assert "best: 0.50 -> 0.9500" in [t.get_text() for t in fig.axes[0].get_legend().texts]


def test_figures_folder_can_be_redirected(tmp_path):
    code = "import siamese_lib.plotting as p; print(p.FIGURES_DIR)"
    env = {**os.environ, "SIAMESE_FIGURES_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out == str(tmp_path)
