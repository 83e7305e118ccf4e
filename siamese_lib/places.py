"""Where things are: the data shipped inside the package, and the folders you write into.

The shipped data (MNIST, Omniglot, QMNIST's labels, the sample files, the pretrained models)
are package data, read through `importlib.resources`, so they are found the same way in a
source checkout (`pip install -e .`), in an installed wheel, on Colab or on a shared JupyterHub.

What you make goes elsewhere: figures to `figures_dir()` and your own models to
`models_dir()`. Both can be chosen with an environment variable (`SIAMESE_FIGURES_DIR`,
`SIAMESE_MODELS_DIR`); by default they are the repository's `figures/` and `models/`, beside
`notebooks/`, when the library runs from a source checkout, and `figures/` and `models/` in the
current directory otherwise (an installed package must never write into itself).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def shipped(*parts: str) -> Path:
    """A file or folder shipped inside the package, e.g. `shipped("mnist")`.

    Wheels install as plain folders, so this is an ordinary path (a zipped install is not
    supported: the loaders read the files directly).
    """
    return Path(str(files("siamese_lib").joinpath("data", *parts)))


def restore_hint(name: str) -> str:
    """How to get a damaged or missing shipped data folder back, e.g. `restore_hint("mnist")`."""
    if source_checkout() is not None:
        return f"`git checkout siamese_lib/data/{name}`"
    return ("a fresh install of siamese-lib from where you installed it (the same wheel, or "
            "the same git address, with `pip install --force-reinstall --no-deps`)")


def source_checkout() -> Path | None:
    """The repository's root when the library runs from a source checkout, else None."""
    root = Path(__file__).resolve().parent.parent
    is_checkout = (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir()
    return root if is_checkout else None


def figures_dir() -> Path:
    """Where `plotting.save_fig` writes: `$SIAMESE_FIGURES_DIR`, else the repository's
    `figures/`, else `./figures`."""
    return _writable("SIAMESE_FIGURES_DIR", "figures")


def models_dir() -> Path:
    """Where your own models go: `$SIAMESE_MODELS_DIR`, else the repository's `models/`, else
    `./models`."""
    return _writable("SIAMESE_MODELS_DIR", "models")


def _writable(variable: str, name: str) -> Path:
    chosen = os.environ.get(variable)
    if chosen:
        return Path(chosen)
    root = source_checkout()
    return (root if root is not None else Path.cwd()) / name
