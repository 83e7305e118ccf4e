"""Reading and running times of the notebooks, as a markdown table for docs/teaching.md.

    .venv/bin/python docs/reading_times.py

For every notebooks/NN_*.ipynb it counts, without running anything:

- prose words: whitespace-separated words of the markdown cells (formulas and tables
  included), leaving out the previous / next links (cells tagged `navigation`);
- code cells, and lines of code (non-blank lines of the code cells, solutions included);
- exercises: the numbered items under the notebook's "Exercises" heading;
- an estimated reading time: prose words / 150 words per minute (technical text), plus
  20 seconds per code cell;

and it copies two phrases from the notebook's header: its own reading time ("about N minutes
to read") and its running time ("Running every cell takes about ...", measured by whoever last
executed the notebook). Standard library only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WORDS_PER_MINUTE = 150
SECONDS_PER_CODE_CELL = 20


def count(path: Path) -> dict:
    """The counts and header phrases of one notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    prose = ["".join(c["source"]) for c in cells
             if c["cell_type"] == "markdown" and "navigation" not in c["metadata"].get("tags", [])]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    text = "\n".join(prose)
    words = len(text.split())
    exercises = 0
    for cell in prose:
        part = re.split(r"^##\s+\d+\.\s+Exercises\s*$", cell, maxsplit=1, flags=re.M)
        if len(part) == 2:
            section = re.split(r"^## ", part[1], maxsplit=1, flags=re.M)[0]
            exercises = len(re.findall(r"^\d+\.\s", section, flags=re.M))
    read = re.search(r"about\s+(\d+\s+minutes)\s+to\s+read", text)
    run = re.search(r"Running\s+every\s+cell\s+takes\s+about\s+(.+?)\.(?:\s|$)", text, re.S)
    return {
        "words": words,
        "cells": len(code),
        "lines": sum(1 for source in code for line in source.splitlines() if line.strip()),
        "exercises": exercises,
        "minutes": words / WORDS_PER_MINUTE + len(code) * SECONDS_PER_CODE_CELL / 60,
        "header_read": f"about {read.group(1)}" if read else "not stated",
        "header_run": "about " + " ".join(run.group(1).split()) if run else "not stated",
    }


def main() -> None:
    print("| notebook | prose words | code cells | lines of code | exercises "
          "| estimated reading | header: reading | header: running every cell |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    total = {"words": 0, "cells": 0, "lines": 0, "exercises": 0, "minutes": 0.0}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        row = count(path)
        for key in total:
            total[key] += row[key]
        print(f"| `{path.stem}` | {row['words']:,} | {row['cells']} | {row['lines']:,} "
              f"| {row['exercises']} | {row['minutes']:.0f} min | {row['header_read']} "
              f"| {row['header_run']} |")
    print(f"| all | {total['words']:,} | {total['cells']} | {total['lines']:,} "
          f"| {total['exercises']} | {total['minutes']:.0f} min | | |")


if __name__ == "__main__":
    main()
