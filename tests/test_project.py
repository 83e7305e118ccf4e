"""The project's set-up: dependencies agree, the README's two commands, CI, the data credit."""

import re
import tomllib
from pathlib import Path

import siamese_lib as sl

ROOT = Path(__file__).resolve().parent.parent


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment_pip_packages():
    """The `- pip:` entries of environment.yml (a two-level list: no YAML library needed)."""
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(k for k, line in enumerate(lines) if line.strip() == "- pip:")
    packages = []
    for line in lines[start + 1:]:
        match = re.match(r"^\s{6,}- (\S+)\s*$", line)
        if not match:
            break
        packages.append(match.group(1))
    return packages


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = _pyproject()["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert sorted(_environment_pip_packages()) == sorted(wanted)
    assert "python=3.11" in (ROOT / "environment.yml").read_text()


def test_required_packages_are_declared():
    project = _pyproject()["project"]
    names = {re.split(r"[<>=!~\[]", d)[0] for d in project["dependencies"]}
    assert names == {"tensorflow", "numpy", "pillow", "matplotlib", "jupyterlab", "ipywidgets",
                     "anywidget", "voila", "nbconvert", "jupyterlab-rise"}
    dev = {re.split(r"[<>=!~\[]", d)[0] for d in project["optional-dependencies"]["dev"]}
    assert dev == {"pytest", "nbval", "ruff", "playwright", "nbgrader"}


def test_readme_shows_the_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    assert first_block.split() == ["make", "lab", "make", "test"]


def test_makefile_targets_use_the_venv():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("setup:", "lab: setup", "test:", "unit: setup", "nbval: setup", "lint: setup"):
        assert target in makefile
    assert 'pip install --quiet -e ".[dev]"' in makefile
    assert "--ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks" in makefile
    assert "--nbval-lax --nbval-current-env" in makefile


def test_ci_runs_make_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "set -euo pipefail" in ci
    assert "apt-get install -y chromium" in ci  # the browser tests must run under CI


def test_data_is_credited_with_its_licence():
    for readme in (ROOT / "README.md", ROOT / "data" / "mnist" / "README.md"):
        text = readme.read_text()
        for credit in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0"):
            assert credit in text, f"{readme} lacks {credit}"
    for readme in (ROOT / "README.md", ROOT / "data" / "omniglot" / "README.md"):
        text = readme.read_text()
        for credit in ("Lake", "Salakhutdinov", "Tenenbaum", "MIT"):
            assert credit in text, f"{readme} lacks {credit}"
    assert (ROOT / "data" / "omniglot" / "LICENSE").read_text().startswith("The MIT License")


def test_public_api_is_exported():
    assert sorted(sl.__all__) == sl.__all__
    for name in sl.__all__:
        assert getattr(sl, name) is not None
    for name in ("load_mnist", "make_pair_indices", "make_pairs", "build_base_network",
                 "build_siamese", "contrastive_loss", "pair_accuracy", "train",
                 "pair_distances", "save_model", "load_model", "load_digit_image",
                 "load_image_folder", "export_image_folder"):
        assert name in sl.__all__


def test_library_uses_no_backend_math_and_no_lambda():
    for source in (ROOT / "siamese_lib").glob("*.py"):
        text = source.read_text()
        assert "keras.backend" not in text and "import backend" not in text, source
        assert "Lambda(" not in text, source


def test_the_library_runs_without_matplotlib_and_loads_no_widgets():
    """The core (data, model, training, evaluation) needs neither matplotlib nor ipywidgets:
    with matplotlib made unimportable, the library still imports, trains and compares, and
    `sl.plotting` loads only when asked for. (Keras itself imports pyplot when it is there.)"""
    import subprocess
    import sys

    code = """
import sys
class NoMatplotlib:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "matplotlib":
            raise ImportError(f"{name} is blocked by this test")
sys.meta_path.insert(0, NoMatplotlib())
import siamese_lib as sl
print(sorted(m for m in ("siamese_lib.plotting", "ipywidgets", "anywidget") if m in sys.modules))
(x, y), _ = sl.load_mnist()
model = sl.build_siamese()
sl.train(model, x[:1000], y[:1000], epochs=1, pairs_per_epoch=256, verbose=0)
print(sl.pair_distances(model, x[:3], x[3:6]).shape)
try:
    sl.plotting
except ImportError as error:
    print("plotting:", error)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    lines = run.stdout.splitlines()
    assert lines[0] == "[]"
    assert lines[1] == "(3,)"
    assert lines[2].startswith("plotting: matplotlib")
