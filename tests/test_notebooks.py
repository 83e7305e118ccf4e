"""The notebooks' frame: executed, outputs kept, navigation, goals, exercises, no copied code.

nbval (make test) re-runs them; these checks read the committed files.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

import siamese_lib as sl
from tools.navigation import notebook_paths

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths(ROOT / "notebooks")
EXPECTED = ["01_mnist.ipynb", "02_siamese_networks.ipynb", "03_contrastive_loss.ipynb",
            "04_training.ipynb", "05_compare_pairs.ipynb", "06_beyond_the_blog.ipynb",
            "07_one_shot.ipynb"]


def _read(path):
    return nbformat.read(path, as_version=4)


def test_the_series_is_numbered():
    assert [p.name for p in NOTEBOOKS][: len(EXPECTED)] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_with_outputs_and_python3_kernel(path):
    nb = _read(path)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "run top to bottom in a fresh kernel"
    assert all(o.output_type != "error" for c in code for o in c.outputs)
    assert not any("execution" in c.metadata for c in code), "timing metadata: git churn"
    assert sum(bool(c.outputs) for c in code) >= len(code) - 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_frame_goals_setup_summary_exercises(path):
    nb = _read(path)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("**What you will learn**", "**Prerequisites**", "**Time needed**",
                    "**Contents**", "Summary", "Exercises"):
        assert heading in text, heading
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source.startswith("# Setup") and "sl.seed_everything" in first_code.source
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert 2 <= len(solutions) <= 4
    assert all(c.metadata["jupyter"]["source_hidden"] and c.outputs is not None
               for c in solutions)
    assert all(c.execution_count for c in solutions)  # solution code runs with the notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_library_code_copied_into_notebooks(path):
    library_names = {name for name in sl.__all__}
    for cell in _read(path).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                assert node.name not in library_names, f"{node.name} is defined in siamese_lib"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_quiet_deterministic_habits(path):
    nb = _read(path)
    outputs = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                        for o in c.outputs)
    assert "tqdm" not in outputs
    for bad in ("I0000", "E0000", "oneDNN", "cuInit", "absl::InitializeLog"):
        assert bad not in outputs, f"TensorFlow log line in outputs: {bad}"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "verbose=1" not in cell.source and "import tqdm" not in cell.source
            assert "keras.backend" not in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_figures_exist(path):
    sources = "\n".join(c.source for c in _read(path).cells)
    names = re.findall(r'save_fig\(fig, "([^"]+)"\)', sources)
    if "02_siamese" in path.name:  # saved in a loop
        names += ["02_siamese_schematic", "02_pseudo_siamese_schematic"]
    for name in names:
        assert (ROOT / "figures" / f"{name}.png").is_file(), name


def test_checked_cells_exist_and_sanitize_file_is_used():
    checked = sum("# NBVAL_CHECK_OUTPUT" in c.source for p in NOTEBOOKS for c in _read(p).cells)
    assert checked >= 20
    assert "--nbval-sanitize-with notebooks/nbval_sanitize.cfg" in (ROOT / "Makefile").read_text()
