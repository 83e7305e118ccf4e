"""Slides: the slide-type rule, `mark` on notebook files, and offline reveal.js slides.

The browser test opens built slides from file:// in Debian's Chromium with every http(s)
request blocked, and checks that a slide with a figure shows it. Like tests/test_browser.py it
skips when /usr/bin/chromium is missing, and fails instead under CI (CI=true).
"""

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from tools import slides
from tools.navigation import notebook_paths, title_of

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "02_siamese_networks.ipynb"
NOTEBOOKS = notebook_paths()
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
NO_BROWSER = not Path(CHROMIUM).exists() and not os.environ.get("CI")

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def figure_cell(source="fig = plot()\nplt.show()"):
    cell = code(source)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                                  "text/plain": "<Figure>"})]
    return cell


def types(nb):
    return [cell.metadata.slideshow.slide_type for cell in nb.cells]


def lesson():
    """A small notebook shaped like the series' notebooks."""
    return nbformat.v4.new_notebook(cells=[
        md("< [previous](a.ipynb) | [Contents](../README.md)", metadata={"tags": ["navigation"]}),
        md("# 02 · Title\n\n**What you will learn**\n- one thing"),
        code("# Setup: versions, seeds, where figures go\nimport siamese_lib as sl"),
        md("## 1. A section\n\nWhy the next cell matters."),
        code("x = 1"),
        md("A short lead-in to a figure."),
        figure_cell(),
        md("### 1.1 A sub-heading"),
        md("\n".join(f"A long paragraph line {i} " + "word " * 12 for i in range(20))),
        code("y = 2"),
        md("<details><summary><b>Solution 1</b> (click to open)</summary>\n\nText.\n</details>"),
        code("answer = 42", metadata={"tags": ["solution"]}),
        md("Note for the solution", metadata={"tags": ["solution-note"]}),
        code(""),
        nbformat.v4.new_raw_cell("raw"),
        md("< [previous](a.ipynb)", metadata={"tags": ["navigation"]}),
    ])


# --- the rule ---------------------------------------------------------------------------------


def test_rules_on_a_lesson():
    nb = slides.assign_slide_types(lesson())
    assert types(nb) == [
        "skip",      # navigation links
        "slide",     # the title
        "skip",      # the Setup cell
        "slide",     # a "## " section
        "-",         # short code after its lead-in: same slide
        "subslide",  # the lead-in and its figure would overfill the slide
        "fragment",  # the figure, one click after its lead-in
        "subslide",  # a "### " sub-heading
        "subslide",  # a long cell starts its own (sub)slide
        "subslide",  # and the slide after it is full
        "skip", "skip", "skip",  # solution note, solution code, tagged note
        "skip", "skip", "skip",  # empty cell, raw cell, navigation
    ]


def test_short_prose_and_figure_share_a_slide():
    nb = nbformat.v4.new_notebook(cells=[md("## Section"), md("Look:"), figure_cell(),
                                         md("One line about it.")])
    assert types(slides.assign_slide_types(nb)) == ["slide", "-", "fragment", "-"]


def test_nbgrader_solution_and_test_cells_are_skipped():
    nb = nbformat.v4.new_notebook(cells=[
        md("## Exercise"),
        code("x = 1", metadata={"nbgrader": {"solution": True, "grade": False}}),
        code("assert x == 1", metadata={"nbgrader": {"solution": False, "grade": True}}),
        md("Describe it.", metadata={"nbgrader": {"solution": False, "grade": False}}),
    ])
    assert types(slides.assign_slide_types(nb)) == ["slide", "skip", "skip", "-"]


def test_headings_in_code_fences_do_not_count():
    nb = nbformat.v4.new_notebook(cells=[md("## A"), md("```python\n# a comment\n```")])
    assert types(slides.assign_slide_types(nb)) == ["slide", "-"]


def test_idempotent():
    nb = slides.assign_slide_types(lesson())
    again = slides.assign_slide_types(nbformat.from_dict(json.loads(json.dumps(nb))))
    assert again == nb
    assert types(slides.assign_slide_types(again, reset=True)) == types(nb)


def test_a_slide_type_set_by_hand_is_kept_unless_reset():
    nb = lesson()
    nb.cells[4].metadata["slideshow"] = {"slide_type": "notes"}  # "x = 1" as speaker notes
    nb.cells[1].metadata["slideshow"] = {"slide_type": "skip"}  # no title slide
    marked = slides.assign_slide_types(nb)
    assert types(marked)[1] == "skip" and types(marked)[4] == "notes"
    assert types(slides.assign_slide_types(marked, reset=True)) == types(
        slides.assign_slide_types(lesson()))


def test_split_suggestions_find_headings_below_the_first_line():
    nb = nbformat.v4.new_notebook(cells=[md("## A\n\ntext"), md("end of A.\n\n## B\n\ntext"),
                                         md("```\n## not a heading\n```")])
    assert slides.split_suggestions(nb) == [1]


# --- mark: writing notebook files -------------------------------------------------------------


def test_mark_adds_only_slide_metadata_and_keeps_the_format(tmp_path, capsys):
    unmarked = json.loads(NOTEBOOK.read_text(encoding="utf-8"))  # the notebook without slides
    for cell in unmarked["cells"]:
        cell["metadata"].pop("slideshow", None)
    unmarked["metadata"].pop("rise", None)
    original = json.dumps(unmarked, indent=1, ensure_ascii=False) + "\n"
    copy = tmp_path / NOTEBOOK.name
    copy.write_text(original, encoding="utf-8")

    assert slides.main(["mark", str(copy)]) == 0
    assert "marked" in capsys.readouterr().out
    text = copy.read_text(encoding="utf-8")
    after = json.loads(text)
    assert "术语表" in text and text.endswith("}\n")  # UTF-8 unescaped, a final newline
    nbformat.validate(nbformat.reads(text, as_version=4))
    for cell in after["cells"]:
        assert cell["metadata"].pop("slideshow")["slide_type"] in slides.SLIDE_TYPES
    assert after["metadata"].pop("rise") == slides.RISE_SETTINGS
    # Without the new keys the file is byte for byte the original: ids, order, indent 1.
    assert json.dumps(after, indent=1, ensure_ascii=False) + "\n" == original

    assert slides.mark_notebook(copy) is False  # idempotent: the file is not rewritten
    assert copy.read_text(encoding="utf-8") == text


def test_mark_keeps_the_order_of_existing_keys(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[md("## A")])
    raw = json.loads(nbformat.writes(nb))
    raw["cells"][0]["metadata"] = {"tags": ["x"], "nbgrader": {"solution": False}}  # unsorted
    raw["metadata"] = {"rise": {"theme": "black"},
                       "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    path = tmp_path / "a.ipynb"
    path.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert slides.mark_notebook(path)
    after = json.loads(path.read_text(encoding="utf-8"))
    assert list(after["cells"][0]["metadata"]) == ["slideshow", "tags", "nbgrader"]
    assert after["metadata"]["rise"] == {"scroll": True, "theme": "black"}  # the author's theme
    assert list(after["metadata"]) == ["rise", "kernelspec"]


# --- build: reveal.js slides --------------------------------------------------------------------


def test_prepare_splits_at_headings_and_cleans_code():
    widget = code("# NBVAL_IGNORE_OUTPUT\nshow(widget)")
    widget.outputs = [nbformat.v4.new_output(
        "display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "1"},
                              "text/plain": "VBox()"})]
    nb = nbformat.v4.new_notebook(cells=[md("## A\n\ntext of A"),
                                         md("end of A.\n\n## B\n\ntext of B"), widget])
    nb.metadata["widgets"] = {"state": {}}
    prepared = slides.prepare_for_slides(nb)
    assert [c.source for c in prepared.cells] == ["## A\n\ntext of A", "end of A.",
                                                  "## B\n\ntext of B", "show(widget)"]
    assert types(prepared) == ["slide", "-", "slide", "-"]
    assert prepared.cells[3].outputs[0]["data"] == {"text/html": slides.WIDGET_NOTE}
    assert "widgets" not in prepared.metadata
    assert len(nb.cells) == 3 and "slideshow" not in nb.cells[0].metadata  # a copy


def test_prepare_embeds_the_pictures_the_markdown_links_to(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "figures" / "a.png").write_bytes(b"\x89PNG fake")
    nb = nbformat.v4.new_notebook(cells=[md(
        "![A](../figures/a.png) and ![web](https://example.org/b.png) and ![C](data:x)")])
    prepared = slides.prepare_for_slides(nb, tmp_path / "notebooks")
    assert prepared.cells[0].source == ("![A](data:image/png;base64,iVBORyBmYWtl) and "
                                        "![web](https://example.org/b.png) and ![C](data:x)")
    assert slides.prepare_for_slides(nb).cells[0].source == nb.cells[0].source  # no folder
    missing = nbformat.v4.new_notebook(cells=[md("![gone](../figures/gone.png)")])
    with pytest.raises(slides.SlidesError, match=r"gone\.png: a notebook shows this picture"):
        slides.prepare_for_slides(missing, tmp_path / "notebooks")


class _Resources(HTMLParser):
    """Every URL that a page loads by itself: script, stylesheet, image, frame, CSS url()."""

    def __init__(self):
        super().__init__()
        self.urls, self._in_style = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "data", "poster", "srcset"):
            if attrs.get(name) and (tag != "a" or name != "href"):
                self.urls.append(attrs[name])
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs.get("style") or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            css = re.sub(r"/\*.*?\*/", "", data, flags=re.DOTALL)  # URLs in comments are inert
            self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
            self.urls += re.findall(r"@import\s+['\"]([^'\"]+)", css)


@pytest.fixture(scope="module")
def built_all(tmp_path_factory):
    """Every notebook built as `make slides` does (no notebook arguments): {name: page}."""
    pages = slides.build_slides(out=tmp_path_factory.mktemp("slides"))
    return {page.name.replace(".slides.html", ".ipynb"): page for page in pages}


@pytest.fixture(scope="module")
def built(built_all):
    return built_all[NOTEBOOK.name]


class _Links(HTMLParser):
    """The (href, text) of every link on a page."""

    def __init__(self):
        super().__init__()
        self.links, self._href = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs)["href"]
            self.links.append([self._href, ""])

    def handle_endtag(self, tag):
        self._href = None if tag == "a" else self._href

    def handle_data(self, data):
        if self._href is not None:
            self.links[-1][1] += data


def _links(page: Path) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [tuple(link) for link in parser.links]


def test_the_index_links_every_notebook_with_its_title(built_all):
    index = next(iter(built_all.values())).parent / "index.html"
    assert [page.name for page in built_all.values()] == [
        f"{p.stem}.slides.html" for p in NOTEBOOKS]
    assert len(built_all) == 7
    assert _links(index) == [(f"{p.stem}.slides.html", title_of(nbformat.read(p, as_version=4)))
                             for p in NOTEBOOKS]
    assert "blog&#x27;s recipe" in index.read_text(encoding="utf-8")  # 04's title, escaped
    assert sorted(p.name for p in index.parent.iterdir()) == sorted(
        ["index.html", "mathjax", "reveal.js", *(page.name for page in built_all.values())])


def test_the_index_escapes_titles(tmp_path, monkeypatch):
    notebook = tmp_path / "01_odd.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[md('# Pairs <b>&</b> "quotes"')]), notebook)
    monkeypatch.setattr(slides, "notebook_paths", lambda: [notebook])
    slides.build_slides(out=tmp_path / "out")
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Pairs &lt;b&gt;&amp;&lt;/b&gt; &quot;quotes&quot;</a>" in html
    assert _links(tmp_path / "out" / "index.html") == [("01_odd.slides.html",
                                                        'Pairs <b>&</b> "quotes"')]


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_built_slides_load_nothing_from_the_network(built_all, name):
    built = built_all[name]
    html = built.read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(html)
    assert parser.urls, "no resources found: the parser is broken"
    external = [u for u in parser.urls if re.match(r"\s*(https?:)?//", u, re.IGNORECASE)]
    assert external == []
    assert not re.search(r"""import\s[^;]*from\s*['"]https?:""", html)  # no ES module imports
    local = {u.split("?")[0] for u in parser.urls if not u.startswith(("data:", "#"))}
    assert local >= {"reveal.js/dist/reveal.js", "reveal.js/dist/reveal.css",
                     "reveal.js/dist/theme/white.css", "mathjax/MathJax.js"}
    for url in local:
        assert (built.parent / url).is_file(), url
    assert "<img" in html and "$" in html  # figures inline, formulas left for MathJax
    assert "NBVAL_" not in html
    assert 'transition: "none",' in html and 'slideNumber: "c/t",' in html


# --- bad input: a clear message, no traceback, nothing written ---------------------------------


def test_only_reveal_transitions_and_shipped_themes(tmp_path, capsys):
    with pytest.raises(ValueError, match="transition 'spin\";' is not a reveal.js transition: "
                       "use one of none, fade, slide, convex, concave, zoom"):
        slides.build_slides([NOTEBOOK], tmp_path / "out", transition='spin";')
    theme_css = slides.ASSETS_DIR / "reveal.js" / "dist" / "theme" / "black.css"
    with pytest.raises(ValueError) as error:
        slides.build_slides([NOTEBOOK], tmp_path / "out", theme="black")
    assert str(error.value) == (f"theme 'black': {theme_css} is not shipped; use one of white "
                                "(or add the theme's CSS there)")
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as exit_:
        slides.main(["build", "--out", str(tmp_path / "out"), "--transition", '";alert(1);"'])
    assert exit_.value.code == 2
    assert "argument --transition: invalid choice" in capsys.readouterr().err


def test_fade_transition_reaches_the_page(tmp_path):
    notebook = tmp_path / "01_small.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[md("# Small")]), notebook)
    [page] = slides.build_slides([notebook], tmp_path / "out", transition="fade")
    assert 'transition: "fade",' in page.read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "index.html").exists()  # only for the whole series


def test_files_that_are_not_notebooks_are_named(tmp_path, capsys):
    (tmp_path / "data.json").write_text('{"a": 1}')
    (tmp_path / "text.ipynb").write_text("not json")
    cases = [(tmp_path / "missing.ipynb", "cannot read it (No such file or directory)"),
             (tmp_path / "data.json", "not a Jupyter notebook (no 'cells' list"),
             (tmp_path / "text.ipynb", "not a Jupyter notebook (not JSON text)")]
    for path, reason in cases:
        for command in (["mark", str(path)], ["build", "--out", str(tmp_path / "out"), str(path)]):
            assert slides.main(command) == 1
            captured = capsys.readouterr()
            assert captured.err.startswith(f"{path}: {reason}"), (command, captured.err)
            assert "pass the path of a Jupyter notebook (.ipynb)" in captured.err
            assert captured.out == ""
    assert (tmp_path / "data.json").read_text() == '{"a": 1}'
    assert not (tmp_path / "out").exists()


@pytest.mark.browser
@pytest.mark.skipif(NO_BROWSER, reason=f"{CHROMIUM} not installed (apt-get install chromium)")
def test_slides_show_a_figure_offline(built, tmp_path):
    from playwright.sync_api import sync_playwright

    external, failed, errors = [], [], []

    def refuse(route):
        external.append(route.request.url)
        route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route(re.compile(r"^(https?|wss?)://", re.IGNORECASE), refuse)
            page.on("requestfailed", lambda request: failed.append(request.url[:200]))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(built.as_uri())
            page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
            page.wait_for_function("() => window.MathJax && MathJax.Hub && "
                                   "MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running",
                                   timeout=60_000)
            assert page.evaluate("document.querySelectorAll('.mjx-chtml').length") > 0

            where = page.evaluate("""() => {
                const slide = Reveal.getSlides().find(s => s.querySelector('img'));
                return slide ? Reveal.getIndices(slide) : null;
            }""")
            assert where is not None, "no slide holds a figure"
            page.evaluate("([h, v]) => Reveal.slide(h, v, 1000)", [where["h"], where["v"] or 0])
            page.evaluate("() => Reveal.getCurrentSlide().querySelector('img').id = 'figure'")
            figure = page.locator("#figure")
            page.wait_for_function("""() => {
                const img = document.getElementById('figure');
                const shown = img.closest('.fragment') || img;
                return img.complete && img.naturalWidth > 0 &&
                       getComputedStyle(shown).opacity === '1';
            }""", timeout=10_000)
            figure.scroll_into_view_if_needed()
            assert figure.is_visible()
            box = figure.bounding_box()
            assert box["width"] > 100 and box["height"] > 50
            assert page.evaluate("Reveal.getIndices()")["h"] == where["h"]
            page.screenshot(path=str(tmp_path / "slide_with_figure.png"))
        finally:
            browser.close()
    assert external == [], f"the slides tried to reach the network: {external}"
    assert failed == [] and errors == []
