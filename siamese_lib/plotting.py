"""The figures of the notebook series, drawn with matplotlib alone (no graphviz needed).

Every function returns its `Figure`; `save_fig(fig, name)` writes it to `figures/<name>.png`.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .atomic import atomic_path
from .places import figures_dir

# The repository's figures/ (./figures outside a source checkout), unless SIAMESE_FIGURES_DIR
# names another folder: `make nbval` points it at a temporary one, so that re-running the
# notebooks under nbval leaves figures/ untouched. See siamese_lib.places.
FIGURES_DIR = figures_dir()


def save_fig(fig: Figure, name: str, *, folder: str | os.PathLike = FIGURES_DIR,
             dpi: int = 100) -> Path:
    """Save `fig` as `<folder>/<name>.png` (atomically) and return the path."""
    path = Path(folder) / f"{name}.png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path


def _show_digit(ax, image: np.ndarray, title: str | None = None, color: str = "black") -> None:
    ax.imshow(np.squeeze(image), cmap="gray", vmin=0, vmax=255 if image.dtype == np.uint8 else 1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=9, color=color)


def plot_digits(images: np.ndarray, labels: np.ndarray | None = None, *, n_cols: int = 10,
                size: float = 1.0) -> Figure:
    """A grid of digits (the blog's figure 1), each titled with its label if given.

    images: (N, 28, 28[, 1]), uint8 in 0..255 or float in [0, 1].
    """
    n_rows = int(np.ceil(len(images) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * size, n_rows * size * 1.15),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k < len(images):
            _show_digit(ax, images[k], None if labels is None else str(labels[k]))
        else:
            ax.axis("off")
    fig.tight_layout()
    return fig


def plot_class_means(x: np.ndarray, y: np.ndarray) -> Figure:
    """The mean image of each digit class, 0 to 9, in one row."""
    means = np.stack([x[y == digit].mean(axis=0) for digit in range(10)])
    fig = plot_digits(means / 255.0, [f"mean {d}" for d in range(10)], size=1.2)
    return fig


def plot_pixel_histogram(x: np.ndarray) -> Figure:
    """How often each grey level 0..255 occurs (log scale): mostly 0, a bump at 252-255."""
    counts = np.bincount(x.ravel(), minlength=256)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(np.arange(256), counts, width=1.0, color="tab:blue")
    ax.set_yscale("log")
    ax.set_xlabel("grey level (0 = black background, 255 = white ink)")
    ax.set_ylabel("pixels")
    ax.set_xlim(-1, 256)
    fig.tight_layout()
    return fig


def plot_pairs(a: np.ndarray, b: np.ndarray, distances: np.ndarray, labels: np.ndarray, *,
               threshold: float = 0.5, n_cols: int = 4,
               digits: tuple[np.ndarray, np.ndarray] | None = None) -> Figure:
    """A gallery of pairs (the blog's figures 7-8): two digits, their distance, the verdict.

    The verdict is "same" when d < threshold; its title is green when right, red when wrong.
    Pairs fill the grid row by row, `n_cols` pairs to a row. labels: 1.0 = same digit, 0.0 =
    different. digits: optional true digits `(of a, of b)`, each (N,), shown in the titles.
    """
    n_rows = int(np.ceil(len(a) / n_cols))
    fig, axes = plt.subplots(n_rows, 2 * n_cols, figsize=(2 * n_cols * 1.1, n_rows * 1.45),
                             squeeze=False)
    for k in range(n_rows * n_cols):
        left, right = axes.flat[2 * k], axes.flat[2 * k + 1]
        if k >= len(a):
            left.axis("off")
            right.axis("off")
            continue
        same = distances[k] < threshold
        right_answer = same == (labels[k] == 1)
        color = "tab:green" if right_answer else "tab:red"
        left_title, right_title = f"d = {distances[k]:.3f}", "same" if same else "different"
        if digits is not None:
            left_title = f"{digits[0][k]}: {left_title}"
            right_title = f"{digits[1][k]}: {right_title}"
        _show_digit(left, a[k], left_title, color)
        _show_digit(right, b[k], right_title, color)
    fig.tight_layout()
    return fig


def plot_training_curves(history: dict[str, list[float]],
                         blog_reference: dict[str, list[float]] | None = None) -> Figure:
    """Accuracy and loss per epoch (the blog's figures 5-6), training and validation.

    history: `History.history` from `train()`. blog_reference: optional curves to draw dashed
    beside ours, with keys "pair_accuracy" and "loss" (e.g. the blog's logged numbers).
    """
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 3.8))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key, title in ((ax_acc, "pair_accuracy", "Pair accuracy"), (ax_loss, "loss", "Loss")):
        ax.plot(epochs, history[key], "o-", label="training pairs", markersize=3)
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], "s-", label="validation pairs", markersize=3)
        if blog_reference is not None:
            ax.plot(epochs, blog_reference[key], "--", color="gray", label="the blog (training)")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs[::2])
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def _box(ax, xy, text, color, width=1.6, height=0.5):
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", facecolor=color, edgecolor="black"))
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def _arrow(ax, start, end):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="black"))


def draw_siamese_schematic(shared: bool = True) -> Figure:
    """The idea in one picture (the blog's figures 2-3).

    shared=True: a Siamese network, both inputs through ONE network (one set of weights W).
    shared=False: a pseudo-siamese network, two towers with their own weights W1 and W2.
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 5)
    ax.axis("off")
    for y, name in ((4, "input 1 (image a)"), (1, "input 2 (image b)")):
        _box(ax, (1.3, y), name, "#dfe9f5", width=2.2)
    if shared:
        _box(ax, (4.3, 2.5), "network G_W\n(one set of\nweights W)", "#fde2c4", width=2.0,
             height=1.6)
        for y in (4, 1):
            _arrow(ax, (2.4, y), (3.3, 2.5 + (0.5 if y == 4 else -0.5)))
            _arrow(ax, (5.3, 2.5 + (0.5 if y == 4 else -0.5)), (6.4, y))
        ax.text(4.3, 4.5, "shared weights", ha="center", fontsize=10, style="italic")
    else:
        for y, w in ((4, "W1"), (1, "W2")):
            _box(ax, (4.3, y), f"network {w}", "#fde2c4", width=2.0)
            _arrow(ax, (2.4, y), (3.3, y))
            _arrow(ax, (5.3, y), (6.4, y))
        ax.text(4.3, 2.5, "two towers,\nown weights", ha="center", va="center", fontsize=10,
                style="italic")
    for y, name in ((4, "embedding\nG(a)"), (1, "embedding\nG(b)")):
        _box(ax, (7.3, y), name, "#e3f1df", width=1.6, height=0.8)
    _box(ax, (9.2, 2.5), "distance\nd", "#f4d9e8", width=1.1, height=0.9)
    _arrow(ax, (7.8, 3.55), (8.8, 2.95))
    _arrow(ax, (7.8, 1.45), (8.8, 2.05))
    ax.set_title("Siamese network" if shared else "Pseudo-siamese network")
    return fig


def draw_network(model: keras.Model) -> Figure:
    """The structure of a Siamese model (the blog's figure 4): layers, output shapes, parameters.

    Both inputs feed the same base network box, drawn once, with its layers listed inside.

    Args:
        model: a `SiameseModel` (its `base_network` and `distance_layer` are drawn).
    """
    base = model.base_network
    inner = [layer for layer in base.layers if not isinstance(layer, keras.layers.InputLayer)]
    lines = [f"{'layer':10} {'type':12} {'output':12} {'parameters':>10}"] + [
        f"{layer.name:10} {type(layer).__name__:12} {str(layer.output.shape[1:]):12}"
        f"{layer.count_params():>11,}" for layer in inner
    ]
    fig, ax = plt.subplots(figsize=(9, 2.2 + 0.32 * len(lines)))
    height = 0.42 * len(lines) + 0.9
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.2, height + 0.4)
    ax.axis("off")
    middle = height / 2
    image_shape = str((None, *base.input_shape[1:]))
    for y, name in ((middle + 0.8, "image_a"), (middle - 0.8, "image_b")):
        _box(ax, (1.1, y), f"{name}\n{image_shape}", "#dfe9f5", width=1.9, height=0.7)
        _arrow(ax, (2.1, y), (2.9, middle))
    ax.add_patch(FancyBboxPatch((3.0, 0.1), 4.4, height - 0.2, boxstyle="round,pad=0.05",
                                facecolor="#fde2c4", edgecolor="black"))
    ax.text(5.2, height - 0.45, f"{base.name}: {base.count_params():,} parameters, shared",
            ha="center", fontsize=9, weight="bold")
    for k, line in enumerate(lines):
        ax.text(3.15, height - 0.95 - 0.42 * k, line, fontsize=7.5, family="monospace")
    distance = model.distance_layer
    _arrow(ax, (7.5, middle), (8.1, middle))
    _box(ax, (8.9, middle), f"{distance.name}\n{getattr(distance, 'metric', '')}\n(None, 1)",
         "#f4d9e8", width=1.5, height=0.9)
    return fig


def plot_loss_and_gradient(d: np.ndarray, curves: dict[str, tuple[np.ndarray, np.ndarray]],
                           margin: float) -> Figure:
    """Contrastive loss (left) and its gradient dL/dd (right) against the distance d.

    curves: label -> (loss values, gradient values), each the shape of d.
    """
    fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(11, 3.8))
    for label, (loss, gradient) in curves.items():
        ax_loss.plot(d, loss, label=label)
        ax_grad.plot(d, gradient, label=label)
    for ax, title in ((ax_loss, "loss L(d)"), (ax_grad, "gradient dL/dd")):
        ax.axvline(margin, color="gray", linestyle=":", label=f"margin = {margin:g}")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xlabel("distance d")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_distance_histograms(distances: np.ndarray, labels: np.ndarray, *,
                             threshold: float = 0.5, margin: float | None = 1.0) -> Figure:
    """Histograms of d for same pairs and different pairs, with the threshold (and margin)."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    bins = np.linspace(0, max(float(distances.max()), 1.5), 60)
    ax.hist(distances[labels == 1], bins=bins, alpha=0.6, label="same digit (y = 1)")
    ax.hist(distances[labels == 0], bins=bins, alpha=0.6, label="different digits (y = 0)")
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold = {threshold:g}")
    if margin is not None:
        ax.axvline(margin, color="gray", linestyle=":", label=f"margin = {margin:g}")
    ax.set_xlabel("distance d")
    ax.set_ylabel("pairs")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_accuracy_vs_threshold(thresholds: np.ndarray, accuracies: np.ndarray, *,
                               chosen: float = 0.5) -> Figure:
    """Pair accuracy as the threshold moves, with the chosen threshold marked."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(thresholds, accuracies)
    ax.axvline(chosen, color="black", linestyle="--", label=f"threshold = {chosen:g}")
    best = int(np.argmax(accuracies))
    ax.plot(thresholds[best], accuracies[best], "o", color="tab:red",
            label=f"best: {thresholds[best]:.2f} -> {accuracies[best]:.4f}")
    ax.set_xlabel("threshold")
    ax.set_ylabel("pair accuracy")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_roc(false_positive_rate: np.ndarray, true_positive_rate: np.ndarray, area: float,
             *, marked: tuple[float, float] | None = None, label: str = "") -> Figure:
    """A ROC curve: pairs called "same" among same pairs (y) against among different pairs (x).

    marked: optional (false positive rate, true positive rate) of the chosen threshold.
    """
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.plot(false_positive_rate, true_positive_rate, label=f"{label} AUC = {area:.4f}".strip())
    ax.plot([0, 1], [0, 1], ":", color="gray", label="chance")
    if marked is not None:
        ax.plot(*marked, "o", color="tab:red", label="calibrated threshold")
    ax.set_xlabel("different pairs called same (false positive rate)")
    ax.set_ylabel("same pairs called same (true positive rate)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_embedding_2d(points: np.ndarray, labels: np.ndarray, *, title: str = "") -> Figure:
    """A 2-D view of embeddings (N, 2), one colour per digit, the digit written at each mean."""
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    colours = plt.get_cmap("tab10")
    for digit in range(10):
        mine = points[labels == digit]
        ax.scatter(mine[:, 0], mine[:, 1], s=3, alpha=0.4, color=colours(digit))
        centre = mine.mean(axis=0)
        ax.text(centre[0], centre[1], str(digit), fontsize=16, weight="bold", ha="center",
                va="center", color=colours(digit),
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"})
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return fig
