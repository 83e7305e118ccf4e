"""The lowest versions pyproject.toml allows, for `make minimums`.

    python tools/minimums.py            # pip arguments: tensorflow==2.18.* keras==3.15.* ...
    python tools/minimums.py --tests    # the test files that need nothing beyond them

Reads the library's own dependencies and the `notebooks` extra's figures and widgets (the
library's plotting and widget modules import them); JupyterLab, Voila and the teachers' tools
are applications the library never imports, so their bounds are not checked here.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED_EXTRAS = {"notebooks": ("matplotlib", "ipywidgets", "anywidget")}
# Tests that need JupyterLab, nbconvert, nbgrader, nbval, Chromium or the notebooks' own
# tooling are left out; every other test file runs.
NEEDS_APPLICATIONS = {"test_browser.py", "test_notebooks.py", "test_slides.py",
                      "test_student_build.py", "test_navigation.py", "test_project.py"}


def lowest_versions() -> list[str]:
    """`name==X.Y.*` for every checked `name>=X.Y` of pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra, names in CHECKED_EXTRAS.items():
        wanted += [d for d in project["optional-dependencies"][extra]
                   if re.split(r"[<>=!~\[ ]", d)[0] in names]
    pins = []
    for requirement in wanted:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        if match is None:
            raise SystemExit(f"pyproject.toml: {requirement!r} is not of the form name>=X.Y, "
                             "which this check needs to know the lowest version.")
        name, bound = match.groups()
        pins.append(f"{name}=={bound}.*")  # the oldest X.Y line, at its newest patch
    return pins


def test_files() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_*.py")
                  if p.name not in NEEDS_APPLICATIONS)


if __name__ == "__main__":
    print(" ".join(test_files() if "--tests" in sys.argv else lowest_versions()))
