"""Previous / contents / next links at the top and bottom of every notebook.

Generated, so they never go stale (after jakevdp's PythonDataScienceHandbook):

    python -m tools.navigation           # rewrite the links in notebooks/NN_*.ipynb
    python -m tools.navigation --check   # exit 1 if any link is out of date

The links live in two markdown cells tagged `navigation`, the first and the last cell of each
notebook; the title comes from the notebook's first `# ` heading.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from siamese_lib.atomic import atomic_path

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
CONTENTS_LINK = "[Contents](../README.md#the-notebooks)"
TAG = "navigation"


def notebook_paths(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks `NN_topic.ipynb`, in order."""
    return sorted(p for p in folder.glob("*.ipynb") if re.match(r"^\d\d_", p.name))


def title_of(notebook: nbformat.NotebookNode) -> str:
    """The text of the first `# ` heading in a notebook's markdown cells."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown" and TAG not in cell["metadata"].get("tags", []):
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("notebook has no '# ' title heading")


def navigation_line(paths: list[Path], titles: list[str], index: int) -> str:
    """`< [previous](..) | [Contents](..) | [next](..) >` for notebook `index`."""
    parts = []
    if index > 0:
        parts.append(f"< [{titles[index - 1]}]({paths[index - 1].name})")
    parts.append(CONTENTS_LINK)
    if index + 1 < len(paths):
        parts.append(f"[{titles[index + 1]}]({paths[index + 1].name}) >")
    return " | ".join(parts)


def _nav_cell(text: str, position: str) -> nbformat.NotebookNode:
    # never a slide: `python -m tools.slides mark` would give it "skip" too
    cell = nbformat.v4.new_markdown_cell(
        text, metadata={"slideshow": {"slide_type": "skip"}, "tags": [TAG]})
    cell.id = f"navigation-{position}"
    return cell


def with_navigation(notebook: nbformat.NotebookNode, text: str) -> nbformat.NotebookNode:
    """A copy of the notebook with its navigation cells (first and last) set to `text`."""
    cells = [c for c in notebook.cells if TAG not in c.metadata.get("tags", [])]
    updated = nbformat.from_dict(notebook)
    updated.cells = [_nav_cell(text, "top"), *cells, _nav_cell(text, "bottom")]
    return updated


def update_all(folder: Path = NOTEBOOKS_DIR, *, check: bool = False) -> list[Path]:
    """Rewrite (or with check=True only find) the notebooks whose navigation is out of date."""
    paths = notebook_paths(folder)
    notebooks = [nbformat.read(p, as_version=4) for p in paths]
    titles = [title_of(nb) for nb in notebooks]
    stale = []
    for index, (path, notebook) in enumerate(zip(paths, notebooks, strict=True)):
        updated = with_navigation(notebook, navigation_line(paths, titles, index))
        if updated != notebook:
            stale.append(path)
            if not check:
                with atomic_path(path) as tmp:
                    nbformat.write(updated, tmp)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Notebook navigation links.")
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = parser.parse_args(argv)
    stale = update_all(check=args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'updated'}: {path.name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
