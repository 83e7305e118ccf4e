"""Slides from the notebooks themselves: live in JupyterLab (RISE), or built with reveal.js.

    python -m tools.slides mark [notebooks...]   # write slide types into the notebooks
    python -m tools.slides build [--out build/slides] [notebooks...]   # HTML slides

Both default to every numbered notebook in notebooks/. `mark` writes each cell's
`metadata.slideshow.slide_type`, which RISE for JupyterLab (`jupyterlab-rise`, the
"Render as slideshow" button) and nbconvert read, and RISE_SETTINGS into the notebook's `rise`
metadata (tall slides scroll; a theme without web fonts) where the author set nothing.
`build` writes one `NN_topic.slides.html` per notebook, plus the reveal.js and MathJax it
needs, copied from docs/slides/: the folder works from a USB stick with no network (open
index.html; `s` opens the speaker view).

The rule (`assign_slide_types`), one cell at a time, first match wins:

1. A slide type already in the cell is kept: the author's choice (also one made in RISE's
   property inspector) wins. `mark --reset` recomputes every cell from the rules.
2. "skip": empty and raw cells; cells tagged `navigation` (the previous / next links) or
   `skip`; exercise cells (`student_build.is_exercise_cell`: solutions, their notes, the
   autograder's checks); the Setup cell (tag `setup`, or a code cell whose first line starts
   with "# Setup").
3. "slide": a markdown cell with a `# ` title or a `## ` section heading.
4. "subslide": a markdown cell with a `### ` (or deeper) heading.
5. Otherwise the cell joins the current slide while the slide's estimated height stays within
   SLIDE_LINES lines of text (a figure counts FIGURE_LINES); past that it starts a "subslide"
   (a vertical slide). Prose is measured together with the code cell after it, which it
   introduces: the two stay on one slide, and that code may overfill it by LEAD_IN_SLACK
   lines. A cell that fits and draws a figure is a "fragment": the explanation first, the
   figure on the next click. Anything else that fits is "-" (same slide).

A markdown cell whose heading is not its first line can only start a slide as a whole: `mark`
lists those cells, which read better live when split at the heading. `build` splits them
itself, on a copy: at every heading, and long prose at paragraph breaks, so each built slide
holds about one screen of text. It also drops the `# NBVAL_...` test markers from code, shows
a note in place of interactive widgets (they need a live kernel), and embeds the PNG pictures
the markdown links to (`![...](../figures/x.png)`), so the slides carry them.

Bad input (a file that is not a notebook, a transition or theme reveal.js lacks here) raises a
siamese_lib error whose message says what to pass; the command line prints it and exits 1.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import math
import re
import shutil
import sys
from collections.abc import Iterable, MutableMapping
from html import escape
from pathlib import Path

import nbformat

from siamese_lib.atomic import atomic_path
from siamese_lib.errors import SiameseLibError
from tools.navigation import NOTEBOOKS_DIR, notebook_paths, title_of
from tools.student_build import is_exercise_cell, read_notebook, read_notebook_json

ROOT = NOTEBOOKS_DIR.parent
ASSETS_DIR = ROOT / "docs" / "slides"
TEMPLATE_NAME = "siamese_reveal"
BUILD_DIR = ROOT / "build" / "slides"
REVEAL_DIR = "reveal.js"
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
TRANSITIONS = ("none", "fade", "slide", "convex", "concave", "zoom")  # reveal.js 4's
SLIDE_LINES = 18  # lines of 20 px text that fit on a 960x700 slide, with room to spare
FIGURE_LINES = 12  # a matplotlib figure, in those lines
LEAD_IN_SLACK = 6  # a code cell may overfill its lead-in's slide by this much
WRAP = 80  # characters per line on a slide
OUTPUT_LINES = 12  # a long text output counts at most this much (it scrolls)
SKIP_TAGS = {"navigation", "setup", "skip"}  # and exercise cells: see _is_skipped
RISE_SETTINGS = {"scroll": True, "theme": "white"}  # a tall cell scrolls; no web fonts

_HEADING = re.compile(r"^(#{1,6})\s+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")
_NBVAL = re.compile(r"^\s*#\s*NBVAL_\w+\s*$")
_WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ('<p class="siamese-widget-note">An interactive widget: it runs in the live '
               "notebook (JupyterLab, or RISE slides there).</p>")


class SlidesError(SiameseLibError):
    """Bad input for the slides: a transition or theme that reveal.js here does not have."""


def _source(cell: MutableMapping) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _lines_outside_fences(text: str) -> list[tuple[str, bool]]:
    """(line, inside a fenced code block) for each line."""
    result, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            result.append((line, True))
            fenced = not fenced
        else:
            result.append((line, fenced))
    return result


def heading_levels(text: str) -> list[int]:
    """The levels of the markdown headings in `text` (fenced code blocks excluded)."""
    return [len(m.group(1)) for line, fenced in _lines_outside_fences(text)
            if not fenced and (m := _HEADING.match(line))]


def _wrapped(line: str) -> int:
    return max(1, math.ceil(len(line.rstrip()) / WRAP))


def estimated_lines(cell: MutableMapping) -> float:
    """How tall a cell is on a slide, in lines of text (a figure counts FIGURE_LINES)."""
    text = _source(cell)
    if cell.get("cell_type") == "markdown":
        lines = text.splitlines()
        return (sum(_wrapped(line) for line in lines if line.strip())
                + 0.5 * sum(1 for line in lines if not line.strip())
                + sum(1 for line in lines if _HEADING.match(line)))  # headings are taller
    code = [line for line in text.splitlines() if not _NBVAL.match(line)]
    height = float(sum(_wrapped(line) for line in code))
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if any(key.startswith("image/") for key in data):
            height += FIGURE_LINES
        else:
            shown = output.get("text", data.get("text/plain", ""))
            shown = "".join(shown) if isinstance(shown, list) else shown
            height += min(OUTPUT_LINES, sum(_wrapped(line) for line in shown.splitlines()))
    return height


def draws_figure(cell: MutableMapping) -> bool:
    """Whether a code cell's stored outputs hold an image."""
    return any(key.startswith("image/") for output in cell.get("outputs", [])
               for key in output.get("data", {}))


def _is_skipped(cell: MutableMapping) -> bool:
    """Rule 2: whether a cell is left out of the slides."""
    text = _source(cell)
    if cell.get("cell_type") == "raw" or not text.strip():
        return True
    if SKIP_TAGS & set(cell.get("metadata", {}).get("tags", [])):
        return True
    if is_exercise_cell(cell):
        return True  # the teacher's answers and the autograder's tests are not slides
    return cell.get("cell_type") == "code" and text.lstrip().lower().startswith("# setup")


def _explicit_type(cell: MutableMapping) -> str | None:
    slideshow = cell.get("metadata", {}).get("slideshow")
    if isinstance(slideshow, dict) and slideshow.get("slide_type") in SLIDE_TYPES:
        return slideshow["slide_type"]
    return None


def _fixed_type(cell: MutableMapping, reset: bool) -> str | None:
    """The slide type rules 1-4 give a cell, or None where it depends on the slides around."""
    kind = None if reset else _explicit_type(cell)
    if kind is not None:
        return kind
    if _is_skipped(cell):
        return "skip"
    levels = heading_levels(_source(cell)) if cell.get("cell_type") == "markdown" else []
    if levels:
        return "slide" if min(levels) <= 2 else "subslide"
    return None


def _flow_budgets(cells: list, fixed: list, costs: list[float]) -> list[tuple[float, float]]:
    """Rule 5's (lines a cell needs, lines its slide may hold) for each cell.

    Prose needs room for the code cell after it too, when rule 5 places that code as well (the
    prose leads into it); code right after prose may overfill the slide by LEAD_IN_SLACK.
    """
    shown = [i for i, kind in enumerate(fixed) if kind not in ("skip", "notes")]
    following = dict(zip(shown, shown[1:], strict=False))
    previous = {after: before for before, after in following.items()}
    budgets = []
    for index, cell in enumerate(cells):
        after, before = following.get(index), previous.get(index)
        need, room = costs[index], float(SLIDE_LINES)
        if cell.get("cell_type") == "markdown":
            if after is not None and fixed[after] is None \
                    and cells[after].get("cell_type") == "code":
                need += costs[after]
        elif before is not None and cells[before].get("cell_type") == "markdown":
            room += LEAD_IN_SLACK
        budgets.append((need, room))
    return budgets


def _flow_type(cell: MutableMapping, used: float, need: float, room: float) -> str:
    """Rule 5: "subslide" when the current slide (`used` lines so far) cannot take `need` more
    lines within `room`; else "fragment" for a figure after something, "-" for the rest."""
    if used > 0 and used + need > room:
        return "subslide"
    if used > 0 and cell.get("cell_type") == "code" and draws_figure(cell):
        return "fragment"
    return "-"


def _set_slide_type(cell: MutableMapping, kind: str) -> None:
    """Write `metadata.slideshow.slide_type`, keeping any other slideshow keys."""
    metadata = cell.setdefault("metadata", {})
    slideshow = metadata.get("slideshow")
    slideshow = dict(slideshow) if isinstance(slideshow, dict) else {}
    slideshow["slide_type"] = kind
    metadata["slideshow"] = slideshow  # a NotebookNode makes it one too


def assign_slide_types(nb: MutableMapping, *, reset: bool = False) -> MutableMapping:
    """Set `metadata.slideshow.slide_type` on every cell of `nb`, in place; returns `nb`.

    The rules are in this module's docstring. A slide type already set is kept unless
    `reset=True`. Idempotent: a second call changes nothing. Works on an nbformat
    NotebookNode and on the plain dict of a notebook's JSON alike.
    """
    cells = nb["cells"]
    fixed = [_fixed_type(cell, reset) for cell in cells]
    costs = [estimated_lines(cell) for cell in cells]
    used = 0.0  # estimated lines on the current (sub)slide so far
    for cell, kind, cost, (need, room) in zip(cells, fixed, costs,
                                              _flow_budgets(cells, fixed, costs), strict=True):
        kind = kind or _flow_type(cell, used, need, room)
        if kind in ("slide", "subslide"):
            used = cost
        elif kind in ("fragment", "-"):
            used += cost
        _set_slide_type(cell, kind)
    return nb


def split_suggestions(nb: MutableMapping) -> list[int]:
    """Indices of markdown cells with a heading that is not their first line.

    Such a cell starts its slide early (with the previous section's last words); live RISE
    slides read better when it is split at the heading.
    """
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "markdown" or _is_skipped(cell):
            continue
        lines = [(line, fenced) for line, fenced in _lines_outside_fences(_source(cell))
                 if line.strip()]
        if any(not fenced and _HEADING.match(line) for line, fenced in lines[1:]):
            found.append(index)
    return found


# --- mark: write the slide types into the notebook files --------------------------------------


def _with_key(mapping: dict, key: str, value) -> dict:
    """`mapping` with `key` set; a new key goes where sorted order puts it (Jupyter sorts keys),
    an existing one stays where it is, so the file's diff is only the new lines."""
    if key in mapping:
        return {**mapping, key: value}
    items = [(k, v) for k, v in mapping.items() if k != key]
    at = next((i for i, (k, _) in enumerate(items) if k > key), len(items))
    return dict([*items[:at], (key, value), *items[at:]])


def _write_text(target: Path, text: str) -> Path:
    """Write `text` to `target` atomically, as UTF-8; return `target`."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def _jupyter_json(nb: dict) -> str:
    """A notebook's JSON as Jupyter writes it: indent 1, UTF-8 unescaped, a final newline."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def mark_notebook(path: Path, *, reset: bool = False) -> bool:
    """Write slide types (and RISE's settings) into one notebook file; True if it changed.

    Only metadata changes: sources, outputs, cell ids and the order of existing keys stay as
    they are, and the file keeps Jupyter's format (JSON with indent 1, UTF-8 unescaped, a final
    newline). New keys go where Jupyter's sorted order puts them. The file is rewritten
    (atomically) only when its metadata changes.

    Raises:
        NotebookFileError: the file is missing or is not a notebook (the message names it).
    """
    nb = read_notebook_json(path)
    original = _jupyter_json(nb)
    had = [dict(cell.get("metadata", {})) for cell in nb["cells"]]
    assign_slide_types(nb, reset=reset)
    for cell, before in zip(nb["cells"], had, strict=True):
        slideshow = cell["metadata"].pop("slideshow")
        cell["metadata"] = _with_key(before, "slideshow", slideshow)
    metadata = nb.setdefault("metadata", {})
    rise = dict(metadata.get("rise", {}))
    for key, value in RISE_SETTINGS.items():
        if key not in rise:
            rise = _with_key(rise, key, value)
    nb["metadata"] = _with_key(metadata, "rise", rise)
    updated = _jupyter_json(nb)
    if updated == original:
        return False
    _write_text(Path(path), updated)
    return True


# --- build: reveal.js slides with nbconvert ---------------------------------------------------


def _blocks(text: str) -> list[str]:
    """Markdown split at blank lines that may safely start a new cell.

    Never inside a fenced code block or a `$$` display formula, nor before an indented line
    (a list item's continuation, or an indented code block).
    """
    blocks, current, fenced, in_math = [], [], False, False
    lines = text.splitlines()
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and line.count("$$") % 2:
            in_math = not in_math
        breakable = not line.strip() and not fenced and not in_math and following.strip() \
            and not following[:1].isspace()
        if breakable and current:
            blocks.append("\n".join(current))
            current = []
        elif line.strip() or current:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _height(block: str) -> float:
    """A markdown block's estimated height on a slide, the blank line after it included."""
    return estimated_lines({"cell_type": "markdown", "source": block}) + 0.5


def _split_markdown(text: str) -> list[str]:
    """A markdown cell's text cut before each heading, and long prose at paragraph breaks."""
    if "<details" in text:
        return [text]
    sections: list[list[str]] = []
    for block in _blocks(text):
        if not sections or _HEADING.match(block):
            sections.append([])
        sections[-1].append(block)
    pieces = []
    for section in sections:
        piece, height = [], 0.0
        for block in section:
            if piece and height + _height(block) > SLIDE_LINES:
                # A sentence ending in ":" introduces the next block: keep them together.
                carried = [piece.pop()] if len(piece) > 1 and piece[-1].rstrip().endswith(":") \
                    else []
                pieces.append("\n\n".join(piece))
                piece = carried
                height = sum(_height(b) for b in piece)
            piece.append(block)
            height += _height(block)
        if piece:
            pieces.append("\n\n".join(piece))
    return pieces or [text]


_LOCAL_PICTURE = re.compile(r"(!\[[^\]]*\]\()(?!https?:|data:|attachment:)([^)\s]+\.png)\)")


def _pictures_inline(text: str, folder: Path) -> str:
    """Markdown pictures given by a path next to the notebook (`![..](../figures/x.png)`) as
    data URLs, so that the slides carry them wherever they are copied."""
    def inline(match: re.Match) -> str:
        picture = folder / match.group(2)
        try:
            data = picture.read_bytes()
        except OSError as error:
            raise SlidesError(f"{picture}: a notebook shows this picture, but it cannot be read "
                              f"({error.strerror}). Restore it (git checkout figures/) or "
                              "remove the link.") from None
        return f"{match.group(1)}data:image/png;base64,{base64.b64encode(data).decode()})"
    return _LOCAL_PICTURE.sub(inline, text)


def prepare_for_slides(nb, folder: Path | None = None):
    """A copy of the notebook laid out for reveal.js, with slide types set (see the module doc).

    Long markdown cells are split at headings and paragraph breaks; the pieces of a split
    cell get the rule's slide types, other cells keep any they have. With `folder` (the
    notebook's), pictures its markdown links to are embedded.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not _is_skipped(cell):
            pieces = _split_markdown(cell.source)
            if len(pieces) > 1:
                for number, piece in enumerate(pieces):
                    metadata = {k: v for k, v in cell.metadata.items() if k != "slideshow"}
                    new = nbformat.v4.new_markdown_cell(piece, metadata=metadata)
                    new.id = f"{cell.get('id', 'cell')}-{number}"[:64]
                    cells.append(new)
                continue
        if cell.cell_type == "code":
            cell.source = "\n".join(line for line in cell.source.splitlines()
                                    if not _NBVAL.match(line))
            for output in cell.get("outputs", []):
                if _WIDGET in output.get("data", {}):
                    output["data"] = {"text/html": WIDGET_NOTE}
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nb = nbformat.from_dict(assign_slide_types(nb))
    for cell in nb.cells:  # after the layout, which counts a picture's line as one line
        if cell.cell_type == "markdown" and folder is not None:
            cell.source = _pictures_inline(cell.source, folder)
    return nb


def _check_look(theme: str, transition: str) -> None:
    """Refuse a transition reveal.js lacks, or a theme whose CSS is not in docs/slides/.

    Raises:
        SlidesError: naming the argument and the values available.
    """
    if transition not in TRANSITIONS:
        raise SlidesError(f"transition {transition!r} is not a reveal.js transition: use one of "
                          f"{', '.join(TRANSITIONS)}")
    theme_dir = ASSETS_DIR / REVEAL_DIR / "dist" / "theme"
    themes = sorted(p.stem for p in theme_dir.glob("*.css"))
    if theme not in themes:
        raise SlidesError(f"theme {theme!r}: {theme_dir / (theme + '.css')} is not shipped; "
                          f"use one of {', '.join(themes)} (or add the theme's CSS there)")


def _exporter(theme: str, transition: str):
    """nbconvert's SlidesExporter with our offline template, reveal.js and MathJax."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.extra_template_basedirs = [str(ASSETS_DIR / "template")]
    config.SlidesExporter.template_name = TEMPLATE_NAME
    config.SlidesExporter.reveal_url_prefix = REVEAL_DIR
    config.SlidesExporter.reveal_theme = theme
    config.SlidesExporter.reveal_transition = transition
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.mathjax_url = MATHJAX_URL
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    return SlidesExporter(config=config)


def _copy_atomically(source: str, target: str) -> str:
    """shutil.copy2 through a temporary file renamed onto `target` (siamese_lib.atomic)."""
    with atomic_path(target) as tmp:
        shutil.copy2(source, tmp)
    return target


def copy_assets(out: Path) -> None:
    """Copy reveal.js and MathJax from docs/slides/ into `out`, next to the slides."""
    for name in (REVEAL_DIR, "mathjax"):
        shutil.copytree(ASSETS_DIR / name, out / name, dirs_exist_ok=True,
                        copy_function=_copy_atomically)


def _index_page(paths: list[Path], titles: list[str]) -> str:
    """index.html: a numbered list of links to the slides, with their titles (HTML-escaped)."""
    items = "\n".join(f'  <li><a href="{escape(p.name)}">{escape(t)}</a></li>'
                      for p, t in zip(paths, titles, strict=True))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
            "<title>Siamese networks: slides</title></head>\n<body style=\"font-family: "
            "sans-serif; font-size: 1.4em; margin: 2em\">\n<h1>Siamese networks on MNIST: "
            f"slides</h1>\n<ol>\n{items}\n</ol>\n<p>Arrow keys move, <kbd>f</kbd> is full "
            "screen, <kbd>s</kbd> the speaker view, <kbd>Esc</kbd> the overview.</p>\n"
            "</body>\n</html>\n")


def _title_or_stem(nb, path: Path) -> str:
    """The notebook's `# ` title (navigation.title_of), else its file name without suffix."""
    try:
        return title_of(nb)
    except ValueError:
        return path.stem


def build_slides(notebooks: Iterable[str | Path] | None = None, out: str | Path = BUILD_DIR,
                 *, theme: str = "white", transition: str = "none") -> list[Path]:
    """Write `NN_topic.slides.html` for each notebook into `out`; return their paths.

    Without `notebooks`: every numbered notebook, and an `index.html` linking them all. The
    notebook files are not changed (slide types are assigned on a copy). reveal.js 4 and
    MathJax 2 are copied into `out` and referenced by relative paths, so the slides make no
    network request. `transition="none"` suits a projector and a slow laptop. Every file is
    written atomically; nothing is written unless every notebook can be read.

    Raises:
        SlidesError: `theme` or `transition` is not available (the message lists those that are).
        NotebookFileError: a notebook is missing or is not a notebook (the message names it).
    """
    _check_look(theme, transition)
    paths = [Path(p) for p in notebooks] if notebooks else notebook_paths()
    originals = [read_notebook(path) for path in paths]
    out = Path(out)
    copy_assets(out)
    exporter = _exporter(theme, transition)
    written = []
    for path, nb in zip(paths, originals, strict=True):
        resources = {"metadata": {"name": path.stem, "path": str(path.parent)}}
        body, _ = exporter.from_notebook_node(prepare_for_slides(nb, path.parent),
                                              resources=resources)
        written.append(_write_text(out / f"{path.stem}.slides.html", body))
    if not notebooks:
        titles = [_title_or_stem(nb, path) for path, nb in zip(paths, originals, strict=True)]
        _write_text(out / "index.html", _index_page(written, titles))
    return written


def _mark(paths: list[Path], reset: bool) -> None:
    """The `mark` command: mark each notebook, then list the cells worth splitting."""
    for path in paths:
        changed = mark_notebook(path, reset=reset)
        print(f"{'marked' if changed else 'unchanged'}: {path}")
        for index in split_suggestions(read_notebook_json(path)):
            print(f"  note: cell {index} has a heading below its first line; split it "
                  "there for live slides")


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); 1, with the reason on stderr, on bad input."""
    parser = argparse.ArgumentParser(description="Slides from the notebooks.")
    commands = parser.add_subparsers(dest="command", required=True)
    mark = commands.add_parser("mark", help="write slide types into the notebooks (in place)")
    mark.add_argument("--reset", action="store_true",
                      help="recompute every cell, including slide types set by hand")
    mark.add_argument("notebooks", nargs="*", type=Path)
    build = commands.add_parser("build", help="reveal.js slides that work offline")
    build.add_argument("--out", type=Path, default=BUILD_DIR)
    build.add_argument("--transition", default="none", choices=TRANSITIONS,
                       help="reveal.js transition between slides (default: none)")
    build.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "mark":
            _mark(args.notebooks or notebook_paths(), args.reset)
        else:
            for target in build_slides(args.notebooks or None, args.out,
                                       transition=args.transition):
                print(f"wrote {target}")
    except SiameseLibError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
