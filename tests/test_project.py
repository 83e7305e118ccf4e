"""The project's set-up: dependencies agree, the README's two commands, CI, the data credit."""

import re
import tomllib
from pathlib import Path

import siamese_lib as sl

ROOT = Path(__file__).resolve().parent.parent


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised (PEP 503)."""
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ]", requirement)[0]).lower()


def _declared() -> list[str]:
    project = _pyproject()["project"]
    return project["dependencies"] + [d for extra in project["optional-dependencies"].values()
                                      for d in extra]


def test_environment_yml_installs_the_lock_not_a_list_of_its_own():
    text = (ROOT / "environment.yml").read_text()
    assert "python=3.11" in text and "- -r requirements.lock" in text
    assert not re.search(r"^\s{6,}- [A-Za-z]", text, re.M)  # no pip package listed by hand


def test_lock_pins_every_declared_package_within_its_bounds():
    from packaging.requirements import Requirement

    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_name(name)] = version
    assert "siamese-lib" not in pins
    for declared in _declared():
        requirement = Requirement(declared)
        assert _name(requirement.name) in pins, f"{requirement.name} is not in requirements.lock"
        assert requirement.specifier.contains(pins[_name(requirement.name)]), declared


def test_required_packages_are_declared():
    project = _pyproject()["project"]
    extras = project["optional-dependencies"]
    assert {_name(d) for d in project["dependencies"]} == {"tensorflow", "keras", "numpy",
                                                           "pillow"}
    assert {_name(d) for d in extras["notebooks"]} == {
        "matplotlib", "ipywidgets", "anywidget", "jupyterlab", "jupyterlab-rise"}
    assert {_name(d) for d in extras["app"]} == {"voila"}
    assert {_name(d) for d in extras["teach"]} == {"nbconvert", "nbgrader"}
    assert {_name(d) for d in extras["dev"]} == {"pytest", "nbval", "ruff", "playwright", "psutil"}


def test_the_library_imports_only_what_it_declares():
    """Every third-party import of siamese_lib/ is a runtime dependency, or, in the modules
    that draw or show widgets, a package of the `notebooks` extra."""
    import ast
    import sys

    runtime = {"tensorflow", "keras", "numpy", "PIL"}
    display = {"matplotlib", "ipywidgets", "anywidget", "traitlets"}  # traitlets: ipywidgets'
    display_modules = {"plotting.py", "widgets.py", "one_shot_widget.py"}
    for source in sorted((ROOT / "siamese_lib").glob("*.py")):
        imported = set()
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
        third_party = {m for m in imported
                       if m not in sys.stdlib_module_names and m not in ("siamese_lib",)}
        allowed = runtime | (display if source.name in display_modules else set())
        assert third_party <= allowed, f"{source.name} imports {sorted(third_party - allowed)}"


def test_readme_shows_the_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    assert first_block.split() == ["make", "lab", "make", "test"]


def test_makefile_targets_use_the_venv():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("setup:", "lab: setup", "test:", "unit: setup", "nbval: setup", "lint: setup"):
        assert target in makefile
    assert "pip install --quiet -r requirements.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    # JupyterLab on the whole repository (the notebooks' links reach README.md), with its settings
    assert "--ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. $(LAB_SETTINGS)" in makefile
    assert "cd notebooks/app && $(abspath $(BIN))/voila app.ipynb" in makefile  # reads voila.py
    assert "--nbval-lax --nbval-current-env" in makefile


def test_ci_runs_make_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "set -euo pipefail" in ci
    assert "apt-get install -y chromium" in ci  # the browser tests must run under CI
    assert "git status --porcelain" in ci and "make wheel-test" in ci
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "bash .ci/run" in workflow and "make minimums" in workflow


def test_data_is_credited_with_its_licence():
    for readme in (ROOT / "README.md", sl.places.shipped("mnist", "README.md")):
        text = readme.read_text()
        for credit in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0"):
            assert credit in text, f"{readme} lacks {credit}"
    for readme in (ROOT / "README.md", sl.places.shipped("omniglot", "README.md")):
        text = readme.read_text()
        for credit in ("Lake", "Salakhutdinov", "Tenenbaum", "MIT"):
            assert credit in text, f"{readme} lacks {credit}"
    assert sl.places.shipped("omniglot", "LICENSE").read_text().startswith("The MIT License")


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
