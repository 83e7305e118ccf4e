"""Student versions (tools.student_build): nbgrader regions, outputs, autograded checks.

Synthetic notebooks test the builder; the real notebooks are built into tmp_path and checked;
each autograded check runs, right after its notebook's Setup cell, against the teacher's
solution (it must pass) and against the student's stub (it must fail).
"""

import copy
import json
import sys

import ipykernel.kernelspec
import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient

from tools.navigation import NOTEBOOKS_DIR, notebook_paths
from tools.student_build import (
    INSTALL_HINT,
    NotebookConventionError,
    NotebookFileError,
    build_student_notebooks,
    check_student_version,
    graded_exercises,
    is_exercise_cell,
    main,
    read_notebook,
    student_version,
)

SOLUTION_META = {"grade": False, "locked": False, "schema_version": 3, "solution": True,
                 "task": False}
CHECK_META = {"grade": True, "locked": True, "points": 2, "schema_version": 3,
              "solution": False, "task": False}
NOTE = "<details><summary><b>Solution {}</b></summary>\n\n**Answer.** {}\n</details>"


def _code(source, cell_id, outputs=(), count=None, **metadata):
    cell = nbformat.v4.new_code_cell(source, metadata=metadata, execution_count=count)
    cell.outputs = [nbformat.v4.new_output("stream", text=text) for text in outputs]
    cell.id = cell_id
    return cell


def _markdown(source, cell_id, **metadata):
    cell = nbformat.v4.new_markdown_cell(source, metadata=metadata)
    cell.id = cell_id
    return cell


def _solution(source, grade_id, cell_id, outputs=("42\n",), count=3):
    return _code(source, cell_id, outputs, count, tags=["solution"],
                 jupyter={"source_hidden": True},
                 nbgrader={**SOLUTION_META, "grade_id": grade_id})


def _teacher():
    """A small teacher notebook: setup, lesson, one explore exercise, one checked exercise."""
    cells = [
        _code("# Setup\nimport numpy as np", "setup", ["versions\n"], 1),
        _markdown("## Lesson", "lesson"),
        _code("print(2 + 2)", "lesson-code", ["4\n"], 2),
        _markdown(NOTE.format(1, "forty-two"), "note1", tags=["solution-note"]),
        _solution("# NBVAL_CHECK_OUTPUT\n### BEGIN SOLUTION\nsecret = 6 * 7\nprint(secret)\n"
                  "### END SOLUTION", "99-ex1", "sol1"),
        _markdown(NOTE.format(2, "a square"), "note2", tags=["solution-note"]),
        _solution('def square(x):\n    """x squared."""\n    ### BEGIN SOLUTION\n'
                  "    return x * x\n    ### END SOLUTION", "99-ex2", "sol2", (), 4),
        _code('assert square(3) == 9, "square(3) should be 9"\nprint("Right: square")',
              "check2", ["Right: square\n"], 5, tags=["autograder"],
              nbgrader={**CHECK_META, "grade_id": "99-ex2-check"}),
        _code("print('after')", "after", ["after\n"], 6),
    ]
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def _by_id(nb):
    return {cell.id: cell for cell in nb.cells}


def test_solutions_are_replaced_by_the_stub_and_their_outputs_cleared():
    teacher = _teacher()
    original = copy.deepcopy(teacher)
    student = _by_id(student_version(teacher, "t.ipynb"))
    assert teacher == original, "the teacher version must stay as it is"
    assert student["sol1"].source == ("# NBVAL_CHECK_OUTPUT\n# YOUR CODE HERE\n"
                                      "raise NotImplementedError()")
    assert student["sol2"].source == ('def square(x):\n    """x squared."""\n'
                                      "    # YOUR CODE HERE\n    raise NotImplementedError()")
    for cell_id in ("sol1", "sol2", "check2"):
        assert student[cell_id].outputs == [] and student[cell_id].execution_count is None
        assert student[cell_id].metadata.deletable is False
        assert len(student[cell_id].metadata.nbgrader.checksum) == 32
    assert "jupyter" not in student["sol1"].metadata, "the stub must not be collapsed"


def test_check_cells_stay_and_are_locked():
    teacher, student = _by_id(_teacher()), _by_id(student_version(_teacher(), "t.ipynb"))
    assert student["check2"].source == teacher["check2"].source
    assert student["check2"].metadata.editable is False
    assert student["check2"].metadata.tags == ["autograder"]


def test_everything_else_is_intact_outputs_included():
    teacher, student = _teacher(), student_version(_teacher(), "t.ipynb")
    assert [c.id for c in student.cells] == [c.id for c in teacher.cells]
    for cell_id in ("setup", "lesson", "lesson-code", "after"):
        assert _by_id(student)[cell_id] == _by_id(teacher)[cell_id]


def test_solution_notes_become_a_neutral_line():
    student = _by_id(student_version(_teacher(), "t.ipynb"))
    assert student["note1"].source == "**Exercise 1**: your answer goes in the cell below."
    assert student["note2"].source == ("**Exercise 2**: your answer goes in the cell below, "
                                       "then run the check in the cell after it.")


def test_check_student_version_finds_what_gives_solutions_away():
    teacher = _teacher()
    assert check_student_version(student_version(teacher, "t.ipynb"), teacher) == []
    problems = "\n".join(check_student_version(teacher, teacher))
    for expected in ("'sol1': nbgrader region markers", "'sol1': an exercise cell with outputs",
                     "'check2': an exercise cell with outputs", "'note1': a solution note",
                     "'sol2': solution code left"):
        assert expected in problems
    leaky = student_version(teacher, "t.ipynb")
    _by_id(leaky)["sol1"].source = "# YOUR CODE HERE\nraise NotImplementedError()\nsecret = 6 * 7"
    assert check_student_version(leaky, teacher) == ["cell 'sol1': solution code left in the "
                                                     "student version"]


@pytest.mark.parametrize("cell_id, source, message", [
    ("sol1", "### BEGIN SOLUTION\nsecret = 42", "BEGIN SOLUTION (line 1) without END SOLUTION"),
    ("sol1", "secret = 42\n### END SOLUTION", "END SOLUTION (line 2) without BEGIN SOLUTION"),
    ("sol1", "secret = 42", "a solution cell without a '### BEGIN SOLUTION'"),
    ("lesson-code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
     "a solution region in a cell that is not an nbgrader solution cell"),
])
def test_malformed_regions_are_errors_naming_the_file_and_cell(cell_id, source, message):
    teacher = _teacher()
    _by_id(teacher)[cell_id].source = source
    with pytest.raises(NotebookConventionError, match="bad.ipynb") as error:
        student_version(teacher, "bad.ipynb")
    assert f"cell {cell_id!r}: {message}" in str(error.value)


def test_convention_errors_in_metadata_and_order():
    teacher = _teacher()
    del _by_id(teacher)["sol1"].metadata["nbgrader"]  # tagged "solution" only: the old way
    teacher.cells.insert(2, copy.deepcopy(_by_id(teacher)["check2"]))  # a check out of place
    with pytest.raises(NotebookConventionError) as error:
        student_version(teacher, "old.ipynb")
    message = str(error.value)
    assert "old.ipynb" in message
    assert ("'sol1': tag 'solution' and nbgrader metadata 'solution: true' must go together"
            in message)
    assert "'check2': a check cell must come right after its solution cell" in message
    assert "Duplicate grade id: 99-ex2-check" in message


def test_cli_writes_student_versions_and_refuses_malformed_notebooks(tmp_path, capsys):
    good, bad = tmp_path / "01_good.ipynb", tmp_path / "02_bad.ipynb"
    nbformat.write(_teacher(), good)
    broken = _teacher()
    _by_id(broken)["sol2"].source = "def square(x):\n    ### BEGIN SOLUTION\n    return x * x"
    nbformat.write(broken, bad)
    assert main(["--out", str(tmp_path / "out"), str(good)]) == 0
    assert (tmp_path / "out" / "01_good.ipynb").is_file()
    assert main(["--out", str(tmp_path / "out2"), str(good), str(bad)]) == 1
    assert "02_bad.ipynb breaks the exercise convention" in capsys.readouterr().err
    assert not (tmp_path / "out2").exists(), "nothing is written when a notebook is malformed"


def test_the_output_is_written_atomically_and_only_the_notebooks(tmp_path):
    good = tmp_path / "01_good.ipynb"
    nbformat.write(_teacher(), good)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "01_good.ipynb").write_text("an older build")
    assert build_student_notebooks([good], tmp_path / "out") == [tmp_path / "out" / good.name]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["01_good.ipynb"]  # no temp file
    assert read_notebook(tmp_path / "out" / good.name) == student_version(_teacher(), good.name)


@pytest.mark.parametrize("out", [".", "sub/.."])
def test_refuses_to_write_over_the_teacher_notebooks(tmp_path, capsys, monkeypatch, out):
    good = tmp_path / "01_good.ipynb"
    nbformat.write(_teacher(), good)
    (tmp_path / "sub").mkdir()
    before = good.read_bytes()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotebookFileError, match="choose another folder"):
        build_student_notebooks([good], tmp_path / out)
    assert main(["--out", out, str(good)]) == 1
    err = capsys.readouterr().err
    assert f"--out {out} is the folder of the teacher notebook {good}" in err
    assert "choose another folder (default build/student)" in err
    assert good.read_bytes() == before, "the teacher notebook must stay as it is"


def test_refuses_an_output_folder_that_is_a_file(tmp_path, capsys):
    good = tmp_path / "01_good.ipynb"
    nbformat.write(_teacher(), good)
    (tmp_path / "out").write_text("a file")
    assert main(["--out", str(tmp_path / "out"), str(good)]) == 1
    assert f"--out {tmp_path / 'out'} is a file, not a folder" in capsys.readouterr().err


def _bad_inputs(tmp_path):
    """(file, what the message must say) for files that are not notebooks."""
    files = {"missing.ipynb": None, "text.ipynb": "not json", "list.ipynb": "[1, 2]",
             "no_cells.json": '{"a": 1}',
             "invalid.ipynb": json.dumps({"cells": [{"cell_type": "code", "id": "a"}],
                                          "metadata": {}, "nbformat": 4, "nbformat_minor": 5})}
    for name, text in files.items():
        if text is not None:
            (tmp_path / name).write_text(text)
    return [
        (tmp_path / "missing.ipynb", "cannot read it (No such file or directory)"),
        (tmp_path / "text.ipynb", "not a Jupyter notebook (not JSON text)"),
        (tmp_path / "list.ipynb", "not a Jupyter notebook (no 'cells' list"),
        (tmp_path / "no_cells.json", "not a Jupyter notebook (no 'cells' list"),
        (tmp_path / "invalid.ipynb", "not a valid Jupyter notebook ('metadata' is a required "
                                     "property)"),
    ]


def test_files_that_are_not_notebooks_are_named_in_one_line(tmp_path, capsys):
    for path, reason in _bad_inputs(tmp_path):
        with pytest.raises(NotebookFileError) as error:
            read_notebook(path)
        assert str(error.value).startswith(f"{path}: {reason}")
        assert main(["--out", str(tmp_path / "out"), str(path)]) == 1
        captured = capsys.readouterr()
        assert captured.err.startswith(f"{path}: {reason}")
        assert "pass the path of a Jupyter notebook (.ipynb)" in captured.err
        assert "Traceback" not in captured.err and captured.out == ""
    assert not (tmp_path / "out").exists()


def test_without_nbgrader_the_cli_says_what_to_install(tmp_path, capsys, monkeypatch):
    good = tmp_path / "01_good.ipynb"
    nbformat.write(_teacher(), good)
    for name in [m for m in sys.modules if m.split(".")[0] == "nbgrader"] + ["nbgrader"]:
        monkeypatch.setitem(sys.modules, name, None)  # `import nbgrader...` fails as if absent
    assert main(["--out", str(tmp_path / "out"), str(good)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("student_build needs nbgrader")
    assert err.rstrip().endswith("install the dev extras: .venv/bin/pip install -e '.[dev]' "
                                 "(or make setup)") and INSTALL_HINT in err
    assert not (tmp_path / "out").exists()


def test_is_exercise_cell_on_notebook_nodes_and_plain_json():
    teacher = _teacher()
    assert [c.id for c in teacher.cells if is_exercise_cell(c)] == [
        "note1", "sol1", "note2", "sol2", "check2"]
    plain = json.loads(nbformat.writes(teacher))["cells"]  # sources as lists of lines
    assert [c["id"] for c in plain if is_exercise_cell(c)] == [
        "note1", "sol1", "note2", "sol2", "check2"]
    untagged_note = {"cell_type": "markdown", "metadata": {},
                     "source": ["<details>\n", "<summary><b>Solution 3</b></summary>\n"]}
    assert is_exercise_cell(untagged_note)
    assert not is_exercise_cell({"cell_type": "markdown", "source": "## Exercises"})
    assert not is_exercise_cell({"cell_type": "markdown", "source": "x",
                                 "metadata": {"nbgrader": {"grade": True, "solution": False}}})


# --- the real notebooks -----------------------------------------------------------------------

NOTEBOOKS = notebook_paths()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_real_student_versions_hold_no_solution(path, tmp_path):
    [built] = build_student_notebooks([path], tmp_path)
    teacher, student = nbformat.read(path, as_version=4), nbformat.read(built, as_version=4)
    assert check_student_version(student, teacher) == []
    assert [c.id for c in student.cells] == [c.id for c in teacher.cells]
    solutions = [c for c in student.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions and all(c.outputs == [] and "NotImplementedError" in c.source
                             for c in solutions)
    teacher_checks = {e.check.id: e.check for e in graded_exercises(teacher)}
    for exercise in graded_exercises(student):
        assert exercise.check.source == teacher_checks[exercise.check.id].source
    assert len(graded_exercises(student)) == len(teacher_checks)
    exercise_ids = {c.id for c in teacher.cells if "nbgrader" in c.metadata
                    or "solution-note" in c.metadata.get("tags", [])}
    for theirs, ours in zip(student.cells, teacher.cells, strict=True):
        if ours.id not in exercise_ids:
            assert theirs == ours, f"cell {ours.id} changed in the student version"


class _ThisEnvironment(KernelSpecManager):
    """Every kernel name means ipykernel run by this interpreter (as nbval --nbval-current-env),
    not a `python3` kernelspec that may live outside .venv."""

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES,
                          **ipykernel.kernelspec.get_kernel_dict())


def _run_in_one_kernel(cells: list[str]) -> list[nbformat.NotebookNode]:
    """Execute code cells in order in one fresh kernel of this environment, in notebooks/;
    errors do not stop it."""
    cells = ["import sys\nprint(sys.executable)", *cells]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])
    manager = KernelManager(kernel_spec_manager=_ThisEnvironment())
    NotebookClient(nb, km=manager, timeout=300, allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
    assert nb.cells[0].outputs[0].text.strip() == sys.executable, "a kernel of another Python"
    return nb.cells[1:]


def _errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


GRADED = [p for p in NOTEBOOKS if graded_exercises(nbformat.read(p, as_version=4))]


def test_every_notebook_has_an_autograded_exercise_4():
    assert [p.name[:2] for p in GRADED] == ["01", "02", "03", "04", "05", "06", "07"]
    for path in GRADED:
        number = path.name[:2]
        assert [e.grade_id for e in graded_exercises(nbformat.read(path, as_version=4))] == [
            f"{number}-ex4-check"]


@pytest.mark.parametrize("path", GRADED, ids=lambda p: p.name)
def test_checks_pass_on_the_teacher_version_and_fail_on_the_student_version(path):
    """One kernel per notebook; `%reset -f` and the Setup cell before every exercise."""
    versions = {"teacher": nbformat.read(path, as_version=4)}
    versions["student"] = student_version(versions["teacher"], path.name)
    cells, checks = [], []
    for version, nb in versions.items():
        setup = next(c for c in nb.cells if c.cell_type == "code").source
        for exercise in graded_exercises(nb):
            cells += ["%reset -f", setup, exercise.solution.source, exercise.check.source]
            checks.append((version, exercise.grade_id, len(cells) - 1))
    executed = _run_in_one_kernel(cells)
    for version, grade_id, index in checks:
        errors = _errors(executed[index])
        if version == "teacher":
            assert errors == [], f"{grade_id} fails on the teacher's solution: {errors}"
            assert "Right:" in "".join(o.get("text", "") for o in executed[index].outputs)
        else:
            assert errors and errors[0].split(":")[0] in (
                "NotImplementedError", "NameError", "AssertionError"), (grade_id, errors)
