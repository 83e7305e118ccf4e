"""In a real browser: notebook 05 in JupyterLab, the notebooks' links, and the classroom app
(Voila), driven by Playwright in Chromium.

Chromium is Debian's package (/usr/bin/chromium); .ci/run installs it. Outside CI the tests
skip when it is missing; under CI (CI=true) they fail instead, so they always run there.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

import siamese_lib as sl
from siamese_lib.widgets import TEXT_WITHOUT_WIDGETS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "05_compare_pairs.ipynb"
APP = ROOT / "notebooks" / "app"  # make app: `cd notebooks/app && voila app.ipynb`
# make lab's settings (news and update checks off, Markdown opened rendered), read from the
# Makefile so that the tests run JupyterLab as `make lab` does
LAB_SETTINGS = re.search(r"^LAB_SETTINGS := (.*)$", (ROOT / "Makefile").read_text(),
                         re.MULTILINE).group(1).split()
PROJECTOR_SIZES = [(1280, 720), (1920, 1080)]
# notebooks/app/voila.py culls a kernel whose page is gone after 5 idle minutes; the test cannot
# wait that long, so its server does it after 20 s (the command line overrides voila.py)
CULL_SOON = ["--MappingKernelManager.cull_idle_timeout=20",
             "--MappingKernelManager.cull_interval=5"]
# The console warnings left in the app, explained in notebooks/app/voila.py: Voila 0.5.13 (the
# newest) bundles JupyterLab 4.2.5's core, and the widget manager and anywidget were built
# against JupyterLab 4.5-4.6; webpack says so and uses Voila's copies, which work (these tests).
KNOWN_WARNING = re.compile(r"^(Unsatisfied version [\d.]+ from _JUPYTERLAB\.CORE_OUTPUT of "
                           r"shared singleton module @jupyterlab/|No satisfying version \S+ of "
                           r"shared module @jupyterlab/\w+ found in shared scope default)")
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


def log_says(log: Path, text: str):
    def ready() -> bool:
        return text in log.read_text()
    return ready


def start(args: list[str], ready, log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    # the notebook saves figures as it runs: into the test's folder, not the project's figures/;
    # JupyterLab's settings and workspaces too, not the user's own
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SIAMESE_FIGURES_DIR": str(log.parent),
           "JUPYTERLAB_SETTINGS_DIR": str(log.parent / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(log.parent / "lab-workspaces")}
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log.open("w"),
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


def screenshot_of_the_widget(page, screenshot: Path) -> None:
    """The widget alone (no file names, no pop-ups), whole."""
    page.locator(".siamese-comparer").last.screenshot(path=str(screenshot))


def start_lab(tmp_path: Path, root: Path = ROOT) -> tuple[subprocess.Popen, str, str]:
    """JupyterLab as `make lab` runs it (`root` served, make lab's settings); a token for the
    API. Returns (process, base URL, token)."""
    port, token = free_port(), uuid.uuid4().hex
    lab = start([sys.executable, "-m", "jupyter", "lab", "--no-browser",
                 "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                 f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
                 "--LabApp.expose_app_in_browser=True", *LAB_SETTINGS, *as_root_flag(),
                 # JupyterLab checkpoints every file it opens: into the test's folder
                 f"--FileCheckpoints.checkpoint_dir={tmp_path / 'checkpoints'}"],
                http_ok(f"http://127.0.0.1:{port}/api/status?token={token}"),
                tmp_path / "lab.log", cwd=ROOT)  # LAB_SETTINGS' paths are the repository's
    return lab, f"http://127.0.0.1:{port}", token


def api(url: str, token: str, path: str):
    """GET a JupyterLab API path; the JSON answer."""
    with urllib.request.urlopen(f"{url}{path}?token={token}", timeout=10) as answer:
        return json.load(answer)


def check_no_news(url: str, token: str) -> None:
    """make lab's settings, as JupyterLab applies them: no news question, no update check."""
    notification = api(url, token, "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {name: value.get("default")  # the server writes the overrides in as defaults
                for name, value in notification["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
    assert "fetchNews" not in notification["settings"]  # and no user setting overrides them


SCROLL_TO_CELL_JS = """async (text) => {  // JupyterLab only draws the cells in view
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const index = notebook.widgets.findIndex(
    (cell) => cell.model.sharedModel.getSource().includes(text));
  if (index < 0) throw new Error(`no cell contains ${text}`);
  await notebook.scrollToItem(index, 'start');
  return index;
}"""


# ---------------------------------------------------------------- what a page looks like

WCAG_AA = 4.5  # the least contrast ratio for text (WCAG 2, level AA)


def luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: list[float], background: list[float]) -> float:
    high, low = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (high + 0.05) / (low + 0.05)


COLOURS_JS = """(selector) => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const ground = (node) => {  // the first ancestor with an opaque background
    for (; node; node = node.parentElement) {
      const c = getComputedStyle(node).backgroundColor;
      if (c && rgb(c).length >= 3 && (rgb(c)[3] ?? 1) > 0.5) return rgb(c);
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.getClientRects().length) found.push([rgb(getComputedStyle(el).color), ground(el)]);
  }
  const comparer = document.querySelector('.siamese-comparer');
  const vars = {};
  for (const name of ['--siamese-same', '--siamese-different', '--siamese-warning',
                      '--siamese-muted']) {
    const probe = document.createElement('span');
    probe.style.color = `var(${name})`;
    comparer.appendChild(probe);
    vars[name] = [rgb(getComputedStyle(probe).color), ground(comparer)];
    probe.remove();
  }
  return {found, vars};
}"""
TEXT_SELECTORS = (".siamese-verdict, .siamese-message, .siamese-legend, .siamese-caption, "
                  ".siamese-result, .siamese-vote, .siamese-heading h2, .siamese-heading p")


def check_contrast(page) -> list[float]:
    """Every text colour of the widget, and each theme colour it may use, against its ground."""
    colours = page.evaluate(COLOURS_JS, TEXT_SELECTORS)
    assert len(colours["found"]) >= 5
    ratios = [contrast(fg, bg) for fg, bg in colours["found"]]
    ratios += [contrast(fg, bg) for fg, bg in colours["vars"].values()]
    assert min(ratios) >= WCAG_AA, (colours, ratios)
    return ratios


SMALL_TEXT_JS = """() => {
  const small = [];
  for (const root of document.querySelectorAll('.siamese-heading, .siamese-comparer')) {
    for (const el of root.querySelectorAll('*')) {
      const typed = el.matches('input, select') ? (el.value || '').trim() : '';
      const text = typed || [...el.childNodes].filter(n => n.nodeType === 3)
                                              .map(n => n.textContent.trim()).join('');
      if (!text || !el.getClientRects().length) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 20) small.push(`${text.slice(0, 30)}: ${size}px`);
    }
  }
  return small;
}"""

FITS_JS = """(selectors) => {
  const out = [];
  for (const el of document.querySelectorAll(selectors)) {
    const r = el.getBoundingClientRect();
    if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight)
      out.push(`${el.className}: ${Math.round(r.left)},${Math.round(r.top)} to `
               + `${Math.round(r.right)},${Math.round(r.bottom)}`);
  }
  const page = document.scrollingElement;
  if (page.scrollHeight > innerHeight + 1 || page.scrollWidth > innerWidth + 1)
    out.push(`the page scrolls: ${page.scrollWidth}x${page.scrollHeight}`);
  return out;
}"""
MUST_FIT = (".siamese-panel, .siamese-distance, .siamese-verdict, img.siamese-digit, "
            ".siamese-bar, .siamese-threshold, .siamese-vote, img.siamese-neighbour, "
            "canvas.siamese-canvas")


def check_projector_view(page, width: int, height: int) -> None:
    """Panels, distance, verdict and neighbours fit without scrolling, text 20 px or more."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function(  # the new size, laid out and painted
        """([w, h]) => innerWidth === w && innerHeight === h && new Promise(
             (done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))""",
        arg=[width, height], timeout=10_000)
    assert page.evaluate(FITS_JS, MUST_FIT) == [], f"at {width}x{height}"
    assert page.evaluate(SMALL_TEXT_JS) == [], f"at {width}x{height}"


def test_notebook_05_in_jupyterlab(browser, notebook_copy, tmp_path):
    lab, url, token = start_lab(tmp_path)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{url}/lab/tree/notebooks/{notebook_copy.name}?token={token}&reset")
        page.locator(".jp-Notebook").first.wait_for(timeout=120_000)
        # before any cell runs: a picture of the widget, and a line that says to run its cell
        # (a notebook not trusted shows a widget's text/plain until its cell runs)
        page.evaluate(SCROLL_TO_CELL_JS, "![The pair-comparison widget")
        picture = page.locator('img[src*="05_browser_jupyterlab.png"]').first
        picture.wait_for(timeout=30_000)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=picture.element_handle(), timeout=30_000)
        page.evaluate(SCROLL_TO_CELL_JS, "widgets.PairComparer(MODELS")
        page.get_by_text(TEXT_WITHOUT_WIDGETS).first.wait_for(timeout=30_000)
        page.wait_for_function(
            "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
            "?.status === 'idle'", timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        play_with_the_widget(page, tmp_path / "05_played.png")
        screenshot_of_the_widget(page, screenshot_path("05_browser_jupyterlab.png", tmp_path))
        check_no_news(url, token)

        widget = page.locator(".siamese-comparer").last
        size = lambda: float(widget.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))  # noqa: E731
        small = size()
        widget.locator("button.jupyter-button", has_text="large").click()
        page.wait_for_function("el => el.classList.contains('siamese-large')",
                               arg=widget.element_handle(), timeout=10_000)
        assert small < 20 <= size()  # the notebook's "large" switch, for a projector

        page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', "
                      "{theme: 'JupyterLab Dark'})")
        page.wait_for_function(  # the dark theme's style sheet applied, not only announced
            "() => document.body.dataset.jpThemeLight === 'false' && /^#111(111)?$/.test("
            "getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim())",
            timeout=30_000)
        widget.locator("button.widget-toggle-button", has_text="draw").last.click()  # a hint
        page.locator(".siamese-message").last.wait_for(timeout=10_000)
        check_contrast(page)
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "05_browser_jupyterlab_dark.png"))
        page.close()
    finally:
        stop(lab)


def test_the_notebooks_links_work_in_jupyterlab(browser, tmp_path):
    """Notebook 02's navigation line in JupyterLab: Contents opens README.md, rendered, and the
    next notebook opens (tests/test_navigation.py checks every notebook's links point at
    files that exist). On a copy of README.md and the notebooks, laid out as in the
    repository: JupyterLab may save what it opens."""
    copy = tmp_path / "repository"
    (copy / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "README.md", copy / "README.md")
    for notebook in ("02_siamese_networks.ipynb", "03_contrastive_loss.ipynb"):
        shutil.copy(ROOT / "notebooks" / notebook, copy / "notebooks" / notebook)
    lab, url, token = start_lab(tmp_path, root=copy)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/lab/tree/notebooks/02_siamese_networks.ipynb?token={token}&reset")
        page.locator(".jp-Notebook").first.wait_for(timeout=120_000)
        page.locator(".jp-RenderedMarkdown a", has_text="Contents").first.click()
        page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.title.label "
                               "=== 'README.md'", timeout=30_000)
        page.locator(".jp-RenderedMarkdown h2", has_text="The notebooks").first.wait_for(
            timeout=30_000)  # rendered (make lab's setting), not opened as text
        page.get_by_role("tab", name=re.compile("02_siamese_networks")).first.click()
        page.locator(".jp-RenderedMarkdown a", has_text="03 · The contrastive loss").first.click()
        page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.title.label "
                               "=== '03_contrastive_loss.ipynb'", timeout=30_000)
        check_no_news(url, token)

        # closing a notebook's tab shuts its kernel down (make lab's setting): memory comes back
        def kernels() -> list[str]:
            return [kernel["id"] for kernel in api(url, token, "/api/kernels")]
        page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.sessionContext"
                               "?.session?.kernel?.status === 'idle'", timeout=120_000)
        assert len(kernels()) == 2  # notebooks 02 and 03
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.evaluate("() => window.jupyterapp.commands.execute('application:close')")
        deadline = time.monotonic() + 30
        while len(kernels()) > 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(kernels()) == 1
        page.close()
    finally:
        stop(lab)


# ---------------------------------------------------------------- the classroom app

def kernel_processes(server: subprocess.Popen) -> list[psutil.Process]:
    """The server's kernels that are running (not those exiting or gone)."""
    kernels = []
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            if (child.status() != psutil.STATUS_ZOMBIE
                    and "ipykernel" in " ".join(child.cmdline())):
                kernels.append(child)
        except psutil.Error:  # it exited while we looked
            pass
    return kernels


def kernel_alive(url: str, kernel_id: str) -> bool:
    """Asked through the server's API: GET /api/kernels/<id> answers 404 once it is gone."""
    try:
        with urllib.request.urlopen(f"{url}api/kernels/{kernel_id}", timeout=5):
            return True
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise


# CPU seconds a kernel has used once it has run the app: a fresh kernel uses under 1 s, running
# the app (TensorFlow imported, models loaded, 10,000 digits embedded) about 5 s here; 5 itself
# was too close (a run that used 5.0 s waited forever).
APP_RUN_CPU_SECONDS = 3


def wait_until_the_app_is_ready(server: subprocess.Popen, seconds: float = 180) -> None:
    """Wait until the kernel kept ready has run the app: it has worked (APP_RUN_CPU_SECONDS of
    CPU) and then been quiet for 2 s. (Voila logs "Kernel pool ... is filled" when the kernel
    starts, before the notebook runs.)"""
    deadline, quiet = time.monotonic() + seconds, 0
    while time.monotonic() < deadline and quiet < 2:
        try:
            kernels = kernel_processes(server)
            for kernel in kernels:
                kernel.cpu_percent(interval=None)  # starts the measurement
            time.sleep(1)
            worked = [sum(kernel.cpu_times()[:2]) > APP_RUN_CPU_SECONDS for kernel in kernels]
            busy = [kernel.cpu_percent(interval=None) for kernel in kernels]
        except psutil.Error:  # a kernel came or went: look again
            quiet = 0
            continue
        quiet = quiet + 1 if kernels and all(worked) and max(busy) < 5 else 0
    assert quiet >= 2, "the app's kernel did not finish running the app"


def refused_from_elsewhere(url: str, kernel_id: str) -> None:
    """With Voila's XSRF check off (notebooks/app/voila.py), another web site still cannot shut
    the app's kernels down: a browser sends its Origin, and the server refuses it (404)."""
    request = urllib.request.Request(f"{url}voila/api/shutdown/{kernel_id}", data=b"",
                                     method="POST", headers={"Origin": "http://elsewhere.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404
    assert kernel_alive(url, kernel_id)


def open_app(page, url: str) -> tuple[float, str]:
    """Open the app; return the seconds until the widget shows a distance, and its kernel id."""
    start_time = time.monotonic()
    page.goto(url, timeout=120_000)
    page.locator(".siamese-distance").first.wait_for(timeout=120_000)
    return time.monotonic() - start_time, kernel_of(page)


def record_requests_elsewhere(page, url: str, elsewhere: list[str]) -> None:
    """Collect into `elsewhere` every URL the page requests from anywhere but the app."""
    page.on("request", lambda r: elsewhere.append(r.url)
            if not r.url.startswith((url, "data:", "blob:")) else None)


def show_panel_b_hint(page) -> None:
    """Switch panel B to drawing: its hint is a message, in the warning colour."""
    page.locator("button.widget-toggle-button", has_text="draw").last.click()
    page.locator(".siamese-message").last.wait_for(timeout=10_000)


def kernel_of(page) -> str:
    """The id of the kernel behind a Voila page (in the page's configuration)."""
    return page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


def test_the_classroom_app(browser, tmp_path):
    port, log = free_port(), tmp_path / "voila.log"
    started = time.monotonic()
    # the `voila` command, as make app runs it (`python -m voila` here would import voila.py)
    voila = start([str(Path(sys.executable).parent / "voila"), "app.ipynb", f"--port={port}",
                   *CULL_SOON],
                  log_says(log, "Kernel pool of app.ipynb is filled"), log, cwd=APP)
    url = f"http://127.0.0.1:{port}/"
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        outside, console = [], []
        record_requests_elsewhere(page, url, outside)
        page.on("console", lambda m: console.append((m.type, m.text)))

        wait_until_the_app_is_ready(voila)  # as a teacher would find it
        print(f"the app was ready {time.monotonic() - started:.0f} s after Voila started")
        seconds, first_kernel = open_app(page, url)
        print(f"the app's widget showed {seconds:.1f} s after the page was opened")
        assert seconds < 5
        assert page.locator("a[href]").count() == 0  # no links that lead nowhere
        assert page.locator(".siamese-panel").count() == 2  # the widget alone, no code
        assert page.locator(".jp-InputArea").count() == 0

        refused_from_elsewhere(url, first_kernel)

        for width, height in PROJECTOR_SIZES:
            check_projector_view(page, width, height)  # two test digits
        page.set_viewport_size({"width": 1280, "height": 720})
        play_with_the_widget(page, tmp_path / "app_played.png")  # A drawn, B uploaded
        for width, height in PROJECTOR_SIZES:
            check_projector_view(page, width, height)  # with the canvas too
            page.screenshot(path=str(screenshot_path(f"app_{width}x{height}.png", tmp_path)))
        show_panel_b_hint(page)
        check_contrast(page)  # the light theme

        kernels = [first_kernel]
        for _ in range(2):  # two reloads
            page.reload()
            page.locator(".siamese-distance").first.wait_for(timeout=120_000)
            kernels.append(kernel_of(page))
        page.set_viewport_size({"width": 1280, "height": 720})
        _, dark_kernel = open_app(page, url + "?theme=dark")
        kernels.append(dark_kernel)
        assert page.evaluate("() => document.body.dataset.jpThemeLight") == "false"
        show_panel_b_hint(page)
        check_contrast(page)
        page.screenshot(path=str(screenshot_path("app_dark.png", tmp_path)))
        page.goto("about:blank")  # leaving the app, as closing its tab does: a goodbye beacon
        page.close()
        crashed = browser.new_page()  # a page that dies without a goodbye (a crashed browser)
        record_requests_elsewhere(crashed, url, outside)
        kernels.append(open_app(crashed, url)[1])
        crashed.close()  # no beforeunload: its kernel is left to the culling

        assert len(set(kernels)) == 5  # every page had its own kernel
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (
                any(kernel_alive(url, k) for k in kernels) or len(kernel_processes(voila)) > 1):
            time.sleep(1)
        assert [kernels.index(k) for k in kernels if kernel_alive(url, k)] == []  # all gone
        assert len(kernel_processes(voila)) <= 1  # only the one kept ready for the next page

        assert outside == []  # offline: nothing fetched from a CDN
        errors = [text for kind, text in console if kind == "error"]
        warnings = [text for kind, text in console
                    if kind == "warning" and not KNOWN_WARNING.match(text)]
        assert errors == [] and warnings == [], (errors, warnings)
        text = log.read_text()  # Voila's shutdown requests were all accepted
        assert not re.search(r"\b403 (GET|POST|DELETE)\b", text), text[-3000:]
        assert "'_xsrf' argument missing" not in text
    finally:
        stop(voila)
