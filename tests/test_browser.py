"""Notebook 05 in a real browser: JupyterLab and Voila, driven by Playwright in Chromium.

Chromium is Debian's package (/usr/bin/chromium); .ci/run installs it. Outside CI the tests
skip when it is missing; under CI (CI=true) they fail instead, so they always run there.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

import siamese_lib as sl

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "05_compare_pairs.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
SAMPLE = sl.places.shipped("samples") / "photo_3.jpg"

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run should have installed chromium.")
    pytestmark = [pytestmark, pytest.mark.skip(reason=f"{CHROMIUM} not installed "
                                               "(apt-get install chromium)")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ready(ready, process: subprocess.Popen, seconds: float = 90) -> None:
    """Poll `ready()` (True when the server answers) until it is, or the server dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the server was not ready within {seconds} s")


def http_ok(url: str):
    def ready() -> bool:
        with urllib.request.urlopen(url, timeout=2):
            return True
    return ready


def port_open(port: int):
    def ready() -> bool:  # Voila runs the notebook on every GET /: only knock on the port
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    return ready


def start(args: list[str], ready, log: Path) -> subprocess.Popen:
    # the notebook saves figures as it runs: into the test's folder, not the project's figures/
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SIAMESE_FIGURES_DIR": str(log.parent)}
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    try:
        wait_until_ready(ready, process)
    except Exception:
        process.terminate()
        raise RuntimeError(f"server did not start; its log:\n{log.read_text()[-3000:]}") from None
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def notebook_copy():
    """A throwaway copy beside the original, so that autosave never touches the real one."""
    copy = NOTEBOOK.with_name(f"_browser_test_{uuid.uuid4().hex[:8]}.ipynb")
    checkpoints = copy.parent / ".ipynb_checkpoints"
    had_checkpoints = checkpoints.exists()  # the user's own JupyterLab checkpoints stay
    shutil.copy(NOTEBOOK, copy)
    yield copy
    copy.unlink(missing_ok=True)
    (checkpoints / f"{copy.stem}-checkpoint.ipynb").unlink(missing_ok=True)
    if not had_checkpoints and checkpoints.is_dir() and not any(checkpoints.iterdir()):
        checkpoints.rmdir()


def as_root_flag() -> list[str]:
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """Where a screenshot goes: tmp_path, so that tests leave the tree as they found it;
    figures/ (the README shows them) when UPDATE_FIGURES=1 is set."""
    return (ROOT / "figures" if os.environ.get("UPDATE_FIGURES") == "1" else tmp_path) / name


def play_with_the_widget(page, screenshot: Path) -> None:
    """Draw in panel A, upload into panel B; check the distance and verdict appear and change."""
    distance = page.locator(".siamese-distance").first
    distance.wait_for(timeout=180_000)
    assert page.locator(".siamese-verdict").first.text_content() in ("same", "different")
    before = distance.text_content()

    page.locator("button.widget-toggle-button", has_text="draw").first.click()
    canvas = page.locator("canvas.siamese-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    stroke = [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]  # a 7, in one stroke
    page.mouse.move(box["x"] + stroke[0][0] * box["width"], box["y"] + stroke[0][1] * box["height"])
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
        for step in range(1, 16):
            t = step / 15
            page.mouse.move(box["x"] + (x0 + t * (x1 - x0)) * box["width"],
                            box["y"] + (y0 + t * (y1 - y0)) * box["height"])
    page.mouse.up()
    page.get_by_text("drawing", exact=True).first.wait_for(timeout=30_000)
    page.wait_for_function(
        "before => document.querySelector('.siamese-distance')?.textContent !== before",
        arg=before, timeout=30_000)
    after_drawing = distance.text_content()
    assert page.locator(".siamese-verdict").first.text_content() in ("same", "different")

    page.locator("button.widget-toggle-button", has_text="upload").last.click()
    with page.expect_file_chooser() as chooser:  # the widget's <input type=file> is detached
        page.locator("button.widget-upload").last.click()
    chooser.value.set_files(str(SAMPLE))
    page.get_by_text(f"upload: {SAMPLE.name}").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "before => document.querySelector('.siamese-distance')?.textContent !== before",
        arg=after_drawing, timeout=30_000)
    assert float(distance.text_content()) >= 0
    screenshot.parent.mkdir(exist_ok=True)
    page.locator(".siamese-distance").first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot), full_page=False)


def test_notebook_05_in_jupyterlab(browser, notebook_copy, tmp_path):
    port, token = free_port(), uuid.uuid4().hex
    lab = start([sys.executable, "-m", "jupyter", "lab", "--no-browser",
                 "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                 f"--ServerApp.token={token}", f"--ServerApp.root_dir={ROOT}",
                 "--LabApp.expose_app_in_browser=True", *as_root_flag()],
                http_ok(f"http://127.0.0.1:{port}/api/status?token={token}"),
                tmp_path / "lab.log")
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/lab/tree/notebooks/{notebook_copy.name}"
                  f"?token={token}&reset")
        page.locator(".jp-Notebook").first.wait_for(timeout=120_000)
        page.wait_for_function(
            "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
            "?.status === 'idle'", timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        play_with_the_widget(page, screenshot_path("05_browser_jupyterlab.png", tmp_path))
        page.close()
    finally:
        stop(lab)


def test_notebook_05_as_a_voila_app(browser, tmp_path):
    port = free_port()
    voila = start([sys.executable, "-m", "voila", str(NOTEBOOK), f"--port={port}",
                   "--Voila.ip=127.0.0.1", "--no-browser", "--strip_sources=True"],
                  port_open(port), tmp_path / "voila.log")
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
        play_with_the_widget(page, screenshot_path("05_browser_voila.png", tmp_path))
        page.close()
    finally:
        stop(voila)
