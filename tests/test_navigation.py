"""Navigation links: generated from titles, idempotent, and current in the repository."""

import nbformat

from tools import navigation


def _notebook(folder, name, title):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}\n\ntext"),
                                         nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(nb, folder / name)


def test_links_point_to_neighbours_and_contents(tmp_path):
    for name, title in [("01_a.ipynb", "One"), ("02_b.ipynb", "Two"), ("03_c.ipynb", "Three")]:
        _notebook(tmp_path, name, title)
    (tmp_path / "scratch.ipynb").write_text("{}")  # not numbered: ignored
    assert [p.name for p in navigation.update_all(tmp_path)] == ["01_a.ipynb", "02_b.ipynb",
                                                                 "03_c.ipynb"]
    middle = nbformat.read(tmp_path / "02_b.ipynb", as_version=4)
    expected = ("< [One](01_a.ipynb) | [Contents](../README.md#the-notebooks) | "
                "[Three](03_c.ipynb) >")
    assert middle.cells[0].source == middle.cells[-1].source == expected
    assert middle.cells[1].source.startswith("# Two") and len(middle.cells) == 4
    first = nbformat.read(tmp_path / "01_a.ipynb", as_version=4)
    assert first.cells[0].source.startswith("[Contents]")
    assert navigation.update_all(tmp_path) == []  # idempotent
    assert navigation.update_all(tmp_path, check=True) == []


def test_check_reports_stale_links_after_a_title_change(tmp_path):
    for name, title in [("01_a.ipynb", "One"), ("02_b.ipynb", "Two")]:
        _notebook(tmp_path, name, title)
    navigation.update_all(tmp_path)
    nb = nbformat.read(tmp_path / "02_b.ipynb", as_version=4)
    nb.cells[1].source = "# Two, renamed"
    nbformat.write(nb, tmp_path / "02_b.ipynb")
    assert [p.name for p in navigation.update_all(tmp_path, check=True)] == ["01_a.ipynb"]


def test_repository_notebooks_have_current_links():
    assert navigation.update_all(check=True) == []
