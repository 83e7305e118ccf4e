"""Student versions of the notebooks, made with nbgrader's own preprocessors.

    make student                                     # every notebooks/NN_*.ipynb -> build/student/
    python -m tools.student_build [--out DIR] [notebooks...]

The notebooks in notebooks/ are the teacher versions: solutions in, executed, tested by nbval.
They are also nbgrader source notebooks, so a teacher can run nbgrader as usual (put them in
`source/<assignment>/` of a course folder and run `nbgrader generate_assignment`, then
`nbgrader autograde`, with .venv/bin on PATH: nbgrader runs `alembic` from there). The build
here makes the same student versions without nbgrader's course folder and database, with one
difference: nbgrader's generate_assignment clears every output, this build keeps the outputs of
every cell that is not part of an exercise (figures and tables are part of the lesson).

The convention, for every exercise solution (see notebook 01's "Exercises" for an example):

- A markdown note, tagged `solution-note`: `<details><summary><b>Solution N</b> ...` with the
  answer in prose. The cell right after it is the solution code cell.
- The solution code cell: tags `solution` (kept for the frame tests and JupyterLab),
  metadata `jupyter.source_hidden: true` and
  `"nbgrader": {"grade": false, "grade_id": "<nn>-ex<k>", "locked": false,
  "schema_version": 3, "solution": true, "task": false}`; its code between the lines
  `### BEGIN SOLUTION` and `### END SOLUTION`. nbval markers (`# NBVAL_CHECK_OUTPUT`) go
  above `### BEGIN SOLUTION`. When the student must write a function, its `def` line (and
  docstring) stays outside the markers, so the stub keeps the signature.
- A "core piece" exercise (the student writes a function the series needs) has, right after
  its solution cell, an autograded check cell: tag `autograder`, metadata
  `"nbgrader": {"grade": true, "grade_id": "<nn>-ex<k>-check", "locked": true, "points": <int>,
  "schema_version": 3, "solution": false, "task": false}`. It asserts the student's function
  against an independent reference (the library, or a NumPy formula) on a few inputs including
  an edge case; every assert has a message that says what is wrong; it prints a line starting
  "Right:" when it passes. Solution cell and check cell must run right after the notebook's
  Setup cell (its first code cell) in a fresh kernel: tests/test_student_build.py does exactly
  that.

What the student build does with each kind of cell:

- solution code cells: each `### BEGIN SOLUTION` ... `### END SOLUTION` region becomes
  `# YOUR CODE HERE` / `raise NotImplementedError()` (nbgrader's ClearSolutions, indented like
  the BEGIN line); outputs and execution count cleared; no longer collapsed (the student must
  see the stub); not deletable (nbgrader's LockCells); nbgrader checksum added.
- autograder check cells: source kept; outputs cleared (they reported on the teacher's
  solution); not deletable, not editable (LockCells); checksum added (nbgrader's autograde
  flags an edited check cell).
- solution-note cells: kept, with their text (the answer) replaced by one neutral line,
  "**Exercise N**: your answer goes in the cell below." (plus "then run the check in the cell
  after it." for a checked exercise). Kept rather than removed: cell ids, numbering and the
  cell count stay those of the teacher version.
- every other cell: unchanged, outputs included.

The student versions read ../data, ../models and ../benchmarks like the teacher versions: to run
one, put it in the notebooks/ folder of a clone of the project.

`is_exercise_cell` says which cells belong to an exercise (tools.slides skips them too), and
`read_notebook` reads a notebook file with an error that names it (tools.slides uses it as
well). nbgrader is a dev extra: it is imported only when a student version is made.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from siamese_lib.atomic import atomic_path
from siamese_lib.errors import SiameseLibError
from tools.navigation import NOTEBOOKS_DIR, notebook_paths

STUDENT_DIR = NOTEBOOKS_DIR.parent / "build" / "student"
SOLUTION_TAG, CHECK_TAG, NOTE_TAG = "solution", "autograder", "solution-note"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# Any of these left in a student version means nbgrader's region markers leaked.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME")
STUB = "raise NotImplementedError()"
NOTE_NUMBER = re.compile(r"<b>Solution (\d+)</b>")
# A solution note by its text, tagged or not: "<details><summary>... Solution ...".
SOLUTION_NOTE = re.compile(r"^\s*<details>\s*<summary>.*solution", re.IGNORECASE | re.DOTALL)
NOTEBOOK_HINT = "pass the path of a Jupyter notebook (.ipynb)"
INSTALL_HINT = "install the dev extras: .venv/bin/pip install -e '.[dev]' (or make setup)"


class NotebookConventionError(SiameseLibError):
    """A teacher notebook breaks the exercise convention (see this module's docstring)."""


class NotebookFileError(SiameseLibError):
    """A notebook file that cannot be read as a notebook, or an output folder not to use."""


@dataclass
class GradedExercise:
    """A core-piece exercise: its solution cell and the autograded check cell after it."""

    grade_id: str
    solution: NotebookNode
    check: NotebookNode


def tags(cell: Mapping) -> list[str]:
    """A cell's tags (`metadata.tags`), [] when it has none; a NotebookNode or a plain dict."""
    return cell.get("metadata", {}).get("tags", [])


def nbgrader_flag(cell: Mapping, key: str) -> bool:
    """`cell.metadata.nbgrader[key]`, False when absent; a NotebookNode or a plain dict."""
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get(key, False))


def is_exercise_cell(cell: Mapping) -> bool:
    """Whether a cell belongs to an exercise: its solution, its note, or its autograded check.

    That is: tags `solution`, `solution-note` or `autograder`; nbgrader metadata `solution: true`
    (or `grade: true` on a code cell); or markdown that opens with
    `<details><summary>... Solution`. Works on a NotebookNode and on a plain dict of a
    notebook's JSON (source as a string or a list of lines) alike.
    """
    if {SOLUTION_TAG, NOTE_TAG, CHECK_TAG} & set(tags(cell)) or nbgrader_flag(cell, "solution"):
        return True
    if cell.get("cell_type") == "code":
        return nbgrader_flag(cell, "grade")
    source = "".join(cell.get("source", ""))  # a string, or JSON's list of lines
    return cell.get("cell_type") == "markdown" and bool(SOLUTION_NOTE.match(source))


def _validated(raw: dict, path: Path) -> NotebookNode:
    """`raw` checked against nbformat's schema (NotebookFileError if it fails), then as
    nbformat.read makes it: lines joined, transient keys dropped. `raw` is not changed."""
    try:
        nbformat.validate(copy.deepcopy(raw))  # validate may repair cell ids in place
    except nbformat.ValidationError as error:
        raise NotebookFileError(f"{path}: not a valid Jupyter notebook ({error.message}); "
                                f"{NOTEBOOK_HINT}, or open and save it in JupyterLab") from error
    return nbformat.v4.to_notebook_json(raw)


def _load_json(path: Path) -> dict:
    """A notebook file's JSON (key order kept), with a 'cells' list; NotebookFileError if not."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise NotebookFileError(f"{path}: cannot read it ({error.strerror or error}); "
                                f"{NOTEBOOK_HINT}") from error
    except ValueError as error:  # not JSON, or not UTF-8
        raise NotebookFileError(f"{path}: not a Jupyter notebook (not JSON text); "
                                f"{NOTEBOOK_HINT}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise NotebookFileError(f"{path}: not a Jupyter notebook (no 'cells' list, as in "
                                f"nbformat 4); {NOTEBOOK_HINT}")
    return raw


def read_notebook_json(path: str | os.PathLike) -> dict:
    """A notebook file's JSON as plain dicts and lists, key order kept, checked like read_notebook.

    Raises:
        NotebookFileError: see read_notebook.
    """
    raw = _load_json(Path(path))
    _validated(raw, Path(path))
    return raw


def read_notebook(path: str | os.PathLike) -> NotebookNode:
    """A notebook file (nbformat 4) as a NotebookNode, checked against nbformat's schema.

    Raises:
        NotebookFileError: naming the file, when it is missing or unreadable, not JSON, without
            a 'cells' list, or invalid by nbformat's schema; the message says what to pass.
    """
    return _validated(_load_json(Path(path)), Path(path))


def solution_regions(source: str) -> list[tuple[int, int]]:
    """(begin, end) line numbers of the `### BEGIN/END SOLUTION` regions in a cell's source.

    Raises:
        ValueError: a BEGIN without END, an END without BEGIN, or nested BEGINs.
    """
    regions, begin = [], None
    for number, line in enumerate(source.split("\n")):
        if "BEGIN SOLUTION" in line:
            if begin is not None:
                raise ValueError(f"a second BEGIN SOLUTION (line {number + 1}) before END")
            begin = number
        elif "END SOLUTION" in line:
            if begin is None:
                raise ValueError(f"END SOLUTION (line {number + 1}) without BEGIN SOLUTION")
            regions.append((begin, number))
            begin = None
    if begin is not None:
        raise ValueError(f"BEGIN SOLUTION (line {begin + 1}) without END SOLUTION")
    return regions


def _cell_problems(cells: list[NotebookNode], index: int) -> list[str]:
    """What is wrong with cell `index` of a teacher notebook, by the convention."""
    cell, problems = cells[index], []
    try:
        regions = solution_regions(cell.source)
    except ValueError as error:
        return [str(error)]
    is_solution = nbgrader_flag(cell, "solution")
    if (SOLUTION_TAG in tags(cell)) != is_solution and cell.cell_type == "code":
        problems.append("tag 'solution' and nbgrader metadata 'solution: true' must go together")
    if is_solution and not regions:
        problems.append(f"a solution cell without a '{BEGIN}' ... '{END}' region")
    if regions and not is_solution:
        problems.append("a solution region in a cell that is not an nbgrader solution cell")
    if CHECK_TAG in tags(cell) or nbgrader_flag(cell, "grade"):
        meta = cell.metadata.get("nbgrader", {})
        if not (CHECK_TAG in tags(cell) and meta.get("grade") and meta.get("locked")
                and meta.get("points", 0) > 0):
            problems.append("a check cell needs tag 'autograder' and nbgrader metadata "
                            "grade: true, locked: true, points > 0")
        if index == 0 or not nbgrader_flag(cells[index - 1], "solution"):
            problems.append("a check cell must come right after its solution cell")
    if NOTE_TAG in tags(cell):
        if not NOTE_NUMBER.search(cell.source):
            problems.append("a solution note without '<b>Solution N</b>'")
        if index + 1 == len(cells) or not nbgrader_flag(cells[index + 1], "solution"):
            problems.append("a solution note must come right before its solution cell")
    return problems


def validate_teacher(nb: NotebookNode, name: str) -> None:
    """Check a teacher notebook against the convention and nbgrader's metadata schema.

    Raises:
        NotebookConventionError: naming the notebook and the cell for every problem found.
    """
    from nbgrader.nbgraderformat import (
        MetadataValidator,
        SchemaTooNewError,
        SchemaTooOldError,
        ValidationError,
    )

    problems = [f"cell {nb.cells[i].get('id', i)!r}: {problem}"
                for i in range(len(nb.cells)) for problem in _cell_problems(nb.cells, i)]
    try:
        MetadataValidator().validate_nb(nb)
    except (ValidationError, SchemaTooOldError, SchemaTooNewError) as error:
        problems.append(f"nbgrader metadata: {str(error).splitlines()[0]}")
    if problems:
        raise NotebookConventionError(
            f"{name} breaks the exercise convention (see tools/student_build.py):\n  "
            + "\n  ".join(problems))


def graded_exercises(nb: NotebookNode) -> list[GradedExercise]:
    """The core-piece exercises of a notebook (teacher or student version), in order."""
    return [GradedExercise(cell.metadata.nbgrader.grade_id, nb.cells[i - 1], cell)
            for i, cell in enumerate(nb.cells) if CHECK_TAG in tags(cell) and i > 0]


def _note_text(nb: NotebookNode, index: int) -> str:
    """The neutral line that replaces solution note `index` in the student version."""
    number = NOTE_NUMBER.search(nb.cells[index].source).group(1)
    checked = index + 2 < len(nb.cells) and CHECK_TAG in tags(nb.cells[index + 2])
    then = ", then run the check in the cell after it" if checked else ""
    return f"**Exercise {number}**: your answer goes in the cell below{then}."


def _nbgrader_steps() -> list:
    """generate_assignment's preprocessors, less those that need a course folder or database.

    ClearOutput is limited to exercise cells (solution and check cells).
    """
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    class ClearExerciseOutput(ClearOutput):
        def preprocess_cell(self, cell, resources, index):
            if is_exercise_cell(cell):
                return super().preprocess_cell(cell, resources, index)
            return cell, resources

    return [LockCells(), ClearSolutions(), ClearExerciseOutput(), ClearHiddenTests(),
            ClearMarkScheme(), ComputeChecksums(), CheckCellMetadata()]


def student_version(teacher: NotebookNode, name: str = "notebook") -> NotebookNode:
    """The student version of a teacher notebook (which is left unchanged).

    Raises:
        NotebookConventionError: the teacher notebook breaks the convention.
    """
    validate_teacher(teacher, name)
    nb = copy.deepcopy(teacher)
    resources = {"nbgrader": {"notebook": name}}
    for step in _nbgrader_steps():
        nb, resources = step.preprocess(nb, resources)
    for index, cell in enumerate(nb.cells):
        if NOTE_TAG in tags(cell):
            cell.source = _note_text(nb, index)
        if nbgrader_flag(cell, "solution"):
            cell.metadata.get("jupyter", {}).pop("source_hidden", None)
            if cell.metadata.get("jupyter") == {}:
                del cell.metadata["jupyter"]
    return nb


def check_student_version(student: NotebookNode,
                          teacher: NotebookNode | None = None) -> list[str]:
    """Problems that would give a solution away in a student version; [] when there are none.

    Without the teacher version: no region markers anywhere, solution and check cells without
    outputs, solution cells holding the stub, notes without their answer. With it: also no
    line of a teacher's solution region left in the student's cell of the same id.
    """
    problems = []
    for cell in student.cells:
        where = f"cell {cell.get('id', '?')!r}"
        if any(marker in cell.source for marker in MARKERS):
            problems.append(f"{where}: nbgrader region markers left in the source")
        if is_exercise_cell(cell) and cell.cell_type == "code" \
                and (cell.outputs or cell.execution_count):
            problems.append(f"{where}: an exercise cell with outputs or an execution count")
        if nbgrader_flag(cell, "solution") and STUB not in cell.source:
            problems.append(f"{where}: a solution cell without the stub '{STUB}'")
        if NOTE_TAG in tags(cell) and ("<details>" in cell.source or "\n" in cell.source):
            problems.append(f"{where}: a solution note with its answer")
    if teacher is not None:
        problems += _leftover_solution_lines(student, teacher)
    return problems


def _secret_lines(source: str) -> set[str]:
    """The lines (stripped) found inside a cell's solution regions and nowhere outside them."""
    lines = source.split("\n")
    numbers = {i for begin, end in solution_regions(source) for i in range(begin, end)}
    inside = {line.strip() for i, line in enumerate(lines) if i in numbers}
    outside = {line.strip() for i, line in enumerate(lines) if i not in numbers}
    return inside - outside - {"", BEGIN}


def _leftover_solution_lines(student: NotebookNode, teacher: NotebookNode) -> list[str]:
    """Lines of the teacher's solution regions found in the student's cell of the same id."""
    student_cells = {cell.get("id"): cell for cell in student.cells}
    problems = []
    for cell in teacher.cells:
        if not nbgrader_flag(cell, "solution"):
            continue
        where, theirs = f"cell {cell.get('id')!r}", student_cells.get(cell.get("id"))
        if theirs is None:
            problems.append(f"{where}: missing from the student version")
        elif _secret_lines(cell.source) & {line.strip() for line in theirs.source.split("\n")}:
            problems.append(f"{where}: solution code left in the student version")
    return problems


def _check_out_dir(out_dir: Path, paths: list[Path]) -> None:
    """Refuse an output folder that is a file, or that holds a teacher notebook to be built.

    Raises:
        NotebookFileError: naming the folder and what to choose instead.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise NotebookFileError(f"--out {out_dir} is a file, not a folder: choose another "
                                "folder (default build/student)")
    for path in paths:
        if out_dir.resolve() == path.parent.resolve():
            raise NotebookFileError(
                f"--out {out_dir} is the folder of the teacher notebook {path}: its student "
                "version would overwrite it; choose another folder (default build/student)")


def build_student_notebooks(paths: list[Path] | None = None,
                            out_dir: Path = STUDENT_DIR) -> list[Path]:
    """Write the student version of each notebook (default: notebooks/NN_*.ipynb) to out_dir.

    Nothing is written unless every notebook passes; each file is written atomically.

    Returns:
        The paths written, in order.

    Raises:
        NotebookFileError: a notebook cannot be read, or out_dir is a file or the folder of a
            teacher notebook (which the student version would overwrite).
        NotebookConventionError: a notebook breaks the convention, or a student version still
            gives a solution away.
        ImportError: nbgrader (a dev extra) is not installed.
    """
    paths = [Path(p) for p in (notebook_paths() if paths is None else paths)]
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, paths)
    built = []
    for path in paths:
        teacher = read_notebook(path)
        student = student_version(teacher, path.name)
        problems = check_student_version(student, teacher)
        if problems:
            raise NotebookConventionError(f"{path.name}: the student version gives solutions "
                                          "away:\n  " + "\n  ".join(problems))
        built.append((out_dir / path.name, student))
    for target, student in built:
        with atomic_path(target) as tmp:
            nbformat.write(student, tmp)
    return [target for target, _ in built]


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); 1, with the reason on stderr, on bad input."""
    parser = argparse.ArgumentParser(description="Student versions of the notebooks (nbgrader).")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="teacher notebooks (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--out", type=Path, default=STUDENT_DIR,
                        help=f"output folder (default: {STUDENT_DIR})")
    args = parser.parse_args(argv)
    try:
        written = build_student_notebooks(args.notebooks or None, args.out)
    except SiameseLibError as error:
        print(error, file=sys.stderr)
        return 1
    except ImportError as error:
        if not (error.name or "").startswith("nbgrader"):
            raise
        print(f"student_build needs nbgrader ({error}): {INSTALL_HINT}", file=sys.stderr)
        return 1
    for path in written:
        print(f"student version: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
