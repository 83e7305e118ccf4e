"""Compare two digits interactively: pick them from the test set, draw them, or upload them.

    comparer = PairComparer({"CNN": cnn, "MLP": mlp}, x_test, y_test)  # or one model
    comparer            # in a notebook: shows the widget

The logic lives in plain functions of arrays (`compare_digits`, `verdict`, `nearest_digits`,
`distance_bar_html`), so it is tested without a browser; the widget only wires them up.
Drawing happens in the browser (a small anywidget canvas): strokes render as the pointer moves,
and their points travel to Python once, when a stroke ends; Python draws them again at MNIST's
stroke width (`siamese_lib.strokes`). Every handler runs inside one error boundary: whatever
goes wrong becomes a message in its panel, and the stale result is cleared. Every string a user
supplies (a file name, an error about it) is escaped before it is shown. Explained in
notebooks/05_compare_pairs.ipynb.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import time
from dataclasses import dataclass
from html import escape

import anywidget
import ipywidgets as w
import keras
import numpy as np
import traitlets
from PIL import Image

from .checks import real_number, whole_number
from .embeddings import embed
from .errors import ImageFileError
from .model import to_model_input
from .neighbours import majority_vote as majority_digit
from .preprocessing import preprocess_digit
from .siamese_model import SiameseModel
from .strokes import SMALL_DRAWING, check_strokes, draw_strokes, drawing_size
from .verification import pair_distances

PREVIEW_SCALE = 4  # the 28x28 images the network sees, shown 4x larger

# The widget's look, in one style sheet that travels with it (JupyterLab and Voila alike).
# Sizes are in em (the digit pictures: in px at normal size), so the "large" switch mostly
# raises the font size: at least 20 px, growing with the window (projectors); nothing shrinks.
# Colours are variables with a light and a dark set, each at least 4.5:1 against its theme's
# background (WCAG AA; tests/test_browser.py measures them); JupyterLab and Voila mark a dark
# theme with data-jp-theme-light="false" on <body>.
STYLE = """<style>
.siamese-comparer, .siamese-heading {
  --siamese-large-font: max(20px, min(1.6vw, 2.6vh));
  --siamese-same: #1b5e20; --siamese-different: #b71c1c; --siamese-warning: #b71c1c;
  --siamese-muted: #4a4a4a;
  color: var(--jp-ui-font-color1, #000); gap: 0.5em;
}
body[data-jp-theme-light="false"] .siamese-comparer {
  --siamese-same: #81c784; --siamese-different: #ff8a80; --siamese-warning: #ffab91;
  --siamese-muted: #c8c8c8;
}
.siamese-comparer.siamese-large {
  font-size: var(--siamese-large-font);
  --jp-widgets-font-size: 1em; --jp-widgets-inline-height: 1.6em;
  --jp-widgets-inline-label-width: 4.5em; --jp-widgets-inline-margin: 0.15em;
}
.siamese-comparer .widget-html-content, .siamese-comparer .widget-label { font-size: 1em; }
.siamese-comparer .widget-button, .siamese-comparer .widget-toggle-button {
  width: auto; padding: 0 0.6em; }
.siamese-main { flex-wrap: wrap; gap: 0.5em; align-items: flex-start; }
.siamese-panel { width: 18em; padding: 0.4em; border: 1px solid var(--jp-border-color1, #ccc); }
.siamese-results { min-width: 21em; max-width: 34em; flex: 1 1 21em; }
.siamese-digit-choice { width: 8em; }
.siamese-index { width: 17em; }
.siamese-threshold { width: 16em; }
.siamese-threshold-text { width: 5em; }
.siamese-canvas { width: 17em; height: 17em; }
.siamese-large .siamese-canvas { width: max(224px, 9.5em); height: max(224px, 9.5em); }
.siamese-heading { --jp-widgets-font-size: var(--siamese-large-font);
  color: var(--jp-ui-font-color1, #000); }
.siamese-heading h2 { font-size: 1.4em; margin: 0 0 0.2em 0; }
.siamese-heading p { margin: 0 0 0.3em 0; }
img.siamese-digit { width: 112px; height: 112px; image-rendering: pixelated;
  border: 1px solid #999; }
.siamese-large img.siamese-digit { width: max(112px, 5.5em); height: max(112px, 5.5em); }
img.siamese-neighbour { width: 56px; height: 56px; image-rendering: pixelated; }
.siamese-large img.siamese-neighbour { width: max(56px, 2.8em); height: max(56px, 2.8em); }
.siamese-bar { max-width: 420px; }
.siamese-large .siamese-bar { max-width: none; }
.siamese-result { font-size: 1.25em; }
.siamese-same { color: var(--siamese-same); }
.siamese-different { color: var(--siamese-different); }
.siamese-message { color: var(--siamese-warning); }
.siamese-legend, .siamese-caption { color: var(--siamese-muted); font-size: 0.85em; }
.siamese-large .siamese-legend, .siamese-large .siamese-caption { font-size: 1em; }
</style>"""


# ---------------------------------------------------------------- the logic, as plain functions

def compare_digits(model: keras.Model, a: np.ndarray, b: np.ndarray) -> float:
    """The model's distance between two digits, each float32 (28, 28, 1) in [0, 1].

    A `SiameseModel` embeds both digits in ONE call of its base network (a batch of two) and
    measures them with its own distance layer: the same distance as `model([a, b])`, with half
    the calls. Either way the model is called directly, not through `model.predict` (far
    slower for one pair: benchmarks/compare_speed.py measures both).
    """
    if isinstance(model, SiameseModel):
        both = keras.ops.convert_to_numpy(model.base_network(
            to_model_input(np.stack([a, b])), training=False))
        return float(keras.ops.convert_to_numpy(
            model.distance_layer([both[:1], both[1:]])).reshape(-1)[0])
    return float(pair_distances(model, a[np.newaxis], b[np.newaxis])[0])


def verdict(distance: float, threshold: float) -> str:
    """ "same" when the distance is below the threshold, "different" otherwise."""
    return "same" if distance < threshold else "different"


def nearest_digits(model: SiameseModel, image: np.ndarray, embeddings: np.ndarray, *,
                   k: int = 5, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The k reference digits closest to `image`, by the model's own distance (`model.nearest`).

    Args:
        image: float32 (28, 28, 1). embeddings: (N, D) from `embed`.
        exclude: a reference index left out: the image's own, when it is one of them (else it
            would be its own nearest neighbour, at distance 0, and vote for itself).

    Returns:
        `(indices, distances)`: int64 (k,) into the references, float32 (k,), nearest first.
    """
    extra = 0 if exclude is None else 1
    indices, distances = model.nearest(image[np.newaxis], embeddings, k=k + extra)
    keep = indices[0] != exclude
    return indices[0][keep][:k], distances[0][keep][:k]


def distance_bar_html(distance: float, threshold: float, margin: float) -> str:
    """A bar from 0 to 1.5 x margin (the threshold slider's range), with the distance, the
    threshold and the margin marked."""
    top = bar_end(margin)
    def at(value: float) -> str:
        return f"{100 * min(max(value, 0.0), top) / top:.1f}%"
    colour = "#2e7d32" if distance < threshold else "#c62828"  # on the bar's light ground
    return (
        '<div class="siamese-bar" style="position:relative;height:1.6em;width:100%;'
        'background:linear-gradient(90deg,#e8f5e9 0%,#e8f5e9 '
        f'{at(threshold)},#ffebee {at(threshold)},#ffebee 100%);border:1px solid #999">'
        f'<div title="d" style="position:absolute;left:{at(distance)};top:0;bottom:0;'
        f'width:4px;margin-left:-2px;background:{colour}"></div>'
        f'<div title="threshold" style="position:absolute;left:{at(threshold)};top:-4px;'
        'bottom:-4px;border-left:2px dashed #000"></div>'
        f'<div title="margin" style="position:absolute;left:{at(margin)};top:0;bottom:0;'
        'border-left:2px dotted #666"></div></div>'
        f'<div class="siamese-legend">0 &mdash; threshold {threshold:.2f} '
        f'(dashed) &mdash; margin {margin:.2f} (dotted) &mdash; {top:.2f}</div>'
    )


def bar_end(margin: float) -> float:
    """Where the distance bar and the threshold slider end: 1.5 x the margin."""
    return max(0.01, round(1.5 * margin, 2))


def png_data_url(image: np.ndarray, scale: int = PREVIEW_SCALE) -> str:
    """A float (28, 28[, 1]) image in [0, 1] as a PNG data URL, scaled up without smoothing."""
    pixels = np.round(np.clip(np.squeeze(image), 0, 1) * 255).astype(np.uint8)
    big = Image.fromarray(pixels).resize((pixels.shape[1] * scale, pixels.shape[0] * scale),
                                         Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_data_url(url: str) -> bytes:
    """The bytes inside a `data:...;base64,...` URL: the inverse of `png_data_url`."""
    header, _, payload = url.partition(",")
    if not header.startswith("data:") or ";base64" not in header:
        raise ImageFileError("The drawing could not be read (not a base64 data URL).")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImageFileError("The drawing could not be read (broken base64).") from error


# ---------------------------------------------------------------- the drawing canvas (browser)

class DrawingCanvas(anywidget.AnyWidget):
    """A square canvas to draw a digit with the mouse, a pen or a finger.

    The browser draws the strokes as the pointer moves, with a fixed pen (`line_width`). When
    a stroke ends, every stroke's points so far go to Python once, in `strokes` (a list of
    strokes, each a list of [x, y] in canvas pixels); `siamese_lib.strokes.draw_strokes` draws
    them again at MNIST's stroke width. Setting `strokes` from Python goes through the same
    observers (that is how the tests draw), and the browser paints them. `clear()` wipes it.
    """

    _esm = """
    function render({ model, el }) {
      const size = model.get("size");
      const canvas = document.createElement("canvas");
      canvas.width = size;
      canvas.height = size;
      canvas.className = "siamese-canvas";
      canvas.style.cssText =
        "border:1px solid #888;background:#fff;touch-action:none;cursor:crosshair;";
      const ctx = canvas.getContext("2d");
      let strokes = [];
      let stroke = null;
      const wipe = () => {
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, size, size);
        strokes = [];
        stroke = null;
      };
      const at = (e) => {
        const r = canvas.getBoundingClientRect();
        const x = (e.clientX - r.left) * size / r.width;
        const y = (e.clientY - r.top) * size / r.height;
        return [Math.round(Math.min(Math.max(x, 0), size) * 10) / 10,
                Math.round(Math.min(Math.max(y, 0), size) * 10) / 10];
      };
      const line = (from, to) => {
        ctx.strokeStyle = "#000";
        ctx.lineWidth = model.get("line_width");
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        ctx.beginPath();
        ctx.moveTo(from[0], from[1]);
        ctx.lineTo(to[0], to[1]);
        ctx.stroke();
      };
      canvas.addEventListener("pointerdown", (e) => {
        canvas.setPointerCapture(e.pointerId);
        const point = at(e);
        stroke = [point];
        line(point, point);
      });
      canvas.addEventListener("pointermove", (e) => {
        if (stroke === null) return;
        const point = at(e);
        line(stroke[stroke.length - 1], point);
        stroke.push(point);
      });
      const finish = () => {
        if (stroke === null) return;
        strokes.push(stroke);
        stroke = null;
        model.set("strokes", strokes.map((s) => s.slice()));
        model.save_changes();
      };
      canvas.addEventListener("pointerup", finish);
      canvas.addEventListener("pointercancel", finish);
      // Draw what the model holds: a drawing made before this view (the panel switched
      // source and back) or set from Python (a swap) shows again.
      const paint = () => {
        wipe();
        strokes = (model.get("strokes") || []).map((s) => s.slice());
        for (const s of strokes) {
          for (let k = 0; k < s.length; k++) line(s[Math.max(k - 1, 0)], s[k]);
        }
      };
      paint();
      model.on("change:strokes", paint);
      model.on("change:clear_count", wipe);
      el.appendChild(canvas);
    }
    export default { render };
    """
    strokes = traitlets.List([]).tag(sync=True)
    clear_count = traitlets.Int(0).tag(sync=True)
    size = traitlets.Int(224).tag(sync=True)
    line_width = traitlets.Float(16.0).tag(sync=True)

    def clear(self) -> None:
        """Wipe the drawing, in the browser and here."""
        self.clear_count += 1
        self.strokes = []


# ---------------------------------------------------------------- one panel: A or B

@dataclass
class PanelDigit:
    """What a panel holds: the image the network sees, and its digit when known."""

    image: np.ndarray  # float32 (28, 28, 1) in [0, 1]
    label: int | None
    source: str  # e.g. "test set #42", "drawing", "upload: photo.png" (shown escaped)
    kind: str = "test set"  # the panel source it came from: "test set", "draw" or "upload"
    index: int | None = None  # its index in the test set, for a test digit
    strokes: list | None = None  # the canvas's strokes, for a drawing


class DigitPanel:
    """One side of the comparison: a digit from the test set, a drawing, or an upload.

    Each source keeps its last digit: switching to it shows that digit again (or a hint to
    make one), so the panel always shows what is compared.
    """

    SOURCES = ("test set", "draw", "upload")
    HINTS = {"draw": "Draw a digit in the box above.",
             "upload": "Choose a picture of one digit (PNG, JPEG, GIF, BMP, WEBP or TIFF)."}

    def __init__(self, name: str, x: np.ndarray, y: np.ndarray, on_change, *, seed: int = 0):
        self.name, self.x, self.y = name, x, y
        self._on_change = on_change
        self._rng = np.random.default_rng(seed)
        self._quiet = False  # set while several controls move together: one update at the end
        self.digit: PanelDigit | None = None
        self.kept: dict[str, PanelDigit | None] = dict.fromkeys(self.SOURCES)
        digits = [int(d) for d in np.unique(y)]

        self.source = w.ToggleButtons(options=self.SOURCES, value="test set")
        self.digit_choice = w.Dropdown(options=digits, value=digits[0], description="digit")
        self.digit_choice.add_class("siamese-digit-choice")
        self.index = w.IntSlider(0, min=0, max=len(self._indices_of(digits[0])) - 1,
                                 description="index", continuous_update=False)
        self.index.add_class("siamese-index")
        self.random_button = w.Button(description="random digit", icon="random")
        self.canvas = DrawingCanvas()
        self.clear_button = w.Button(description="clear", icon="eraser")
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="upload")
        self.preview = w.HTML()
        self.caption = w.HTML()
        self.message = w.HTML()

        self.test_controls = w.VBox([w.HBox([self.digit_choice, self.random_button]), self.index])
        self.draw_controls = w.VBox([self.canvas, self.clear_button])
        self.upload_controls = w.VBox([self.upload])
        self.controls = w.Box([self.test_controls])
        self.widget = w.VBox([
            w.HTML(f"<b>Panel {escape(name)}</b>"), self.source, self.controls,
            self.preview, self.caption, self.message,
        ])
        self.widget.add_class("siamese-panel")

        self.source.observe(self._guard(self._source_changed), "value")
        self.digit_choice.observe(self._guard(self._digit_changed), "value")
        self.index.observe(self._guard(lambda _: self.show_test_digit()), "value")
        self.random_button.on_click(self._guard(lambda _: self.random_test_digit()))
        self.canvas.observe(self._guard(self._drawing_changed), "strokes")
        self.clear_button.on_click(self._guard(lambda _: self.canvas.clear()))
        self.upload.observe(self._guard(self._uploaded), "value")

    # -- the error boundary
    def _guard(self, handler):
        """`handler` wrapped so that any exception becomes this panel's message."""
        def guarded(*args):
            try:
                handler(*args)
            except ImageFileError as error:
                self.clear_digit(str(error))
            except Exception as error:  # noqa: BLE001  the boundary: shown to the user, not hidden
                self.clear_digit(f"Something went wrong ({type(error).__name__}: {error}). "
                                 "The comparison was cleared; try another digit.")
        return guarded

    @contextlib.contextmanager
    def _quietly(self):
        """Move several controls without each one updating the panel."""
        self._quiet, before = True, self._quiet
        try:
            yield
        finally:
            self._quiet = before

    # -- sources
    def _indices_of(self, digit: int) -> np.ndarray:
        return np.flatnonzero(self.y == digit)

    def show_test_digit(self) -> None:
        """Show test digit `digit_choice`, number `index` among that digit's images."""
        if self._quiet:
            return
        indices = self._indices_of(self.digit_choice.value)
        k = int(indices[min(self.index.value, len(indices) - 1)])
        self.set_digit(PanelDigit(to_model_input(self.x[k : k + 1])[0], int(self.y[k]),
                                  f"test set #{k}", "test set", k))

    def select_test_image(self, k: int) -> None:
        """Show test image number k (an index into x): one update, whatever the controls do."""
        if not 0 <= k < len(self.y):
            raise ValueError(f"k must be an index into the {len(self.y)} test images, not {k}.")
        with self._quietly():
            self.source.value = "test set"
            self._move_test_controls_to(k)
        self.show_test_digit()

    def _move_test_controls_to(self, k: int) -> None:
        """Set the digit and index controls to test image k (call inside `_quietly`)."""
        digit = int(self.y[k])
        self.digit_choice.value = digit
        self.index.max = len(self._indices_of(digit)) - 1
        self.index.value = int(np.searchsorted(self._indices_of(digit), k))

    def random_test_digit(self, digit: int | None = None) -> None:
        """A random test image, of the given digit if one is given."""
        pool = self._indices_of(digit) if digit is not None else np.arange(len(self.y))
        self.select_test_image(int(self._rng.choice(pool)))

    def _digit_changed(self, change) -> None:
        with self._quietly():  # lowering max may move the index: one update, below
            self.index.max = len(self._indices_of(change["new"])) - 1
        self.show_test_digit()

    def _source_changed(self, change) -> None:
        controls = {"test set": self.test_controls, "draw": self.draw_controls,
                    "upload": self.upload_controls}
        self.controls.children = [controls[change["new"]]]
        if self._quiet:
            return
        if change["new"] == "test set":
            self.show_test_digit()
        elif self.kept[change["new"]] is not None:
            self.set_digit(self.kept[change["new"]])
        else:
            self.clear_digit(self.HINTS[change["new"]])

    def _drawing_changed(self, change) -> None:
        if self._quiet:
            return
        if not change["new"]:
            self.kept["draw"] = None
            if self.source.value == "draw":
                self.clear_digit(self.HINTS["draw"])
            return
        side = self.canvas.size
        strokes = check_strokes(change["new"], side=side)
        image = preprocess_digit(draw_strokes(strokes, side=side), name="your drawing")
        self.set_digit(PanelDigit(image, None, "drawing", "draw", strokes=change["new"]))
        drawn = drawing_size(strokes)
        if drawn < SMALL_DRAWING * side:
            self.message.value = _note(f"Drawn small ({drawn:.0f} of {side} pixels): draw "
                                       "bigger, filling most of the box, for a closer match.")

    def _uploaded(self, change) -> None:
        files = change["new"]
        if not files:
            return
        upload = files[0]
        with self._quietly():
            self.upload.value = ()  # so that choosing the same file again is a change too
        name = str(upload.get("name", "the upload"))
        image = preprocess_digit(bytes(upload["content"]), name=name)
        self.set_digit(PanelDigit(image, None, f"upload: {name}", "upload"))

    # -- state
    def show(self, digit: PanelDigit | None, kind: str = "test set") -> None:
        """Show any digit (e.g. the other panel's), with this panel's controls set to match;
        for no digit, the source `kind` (the other panel's) and its hint."""
        if digit is None:
            with self._quietly():
                self.source.value = kind
                if kind == "draw":
                    self.canvas.strokes = []
            self.kept[kind] = None
            self.clear_digit(self.HINTS.get(kind, ""))
            return
        with self._quietly():
            self.source.value = digit.kind
            if digit.kind == "draw":
                self.canvas.strokes = digit.strokes or []
            if digit.index is not None:
                self._move_test_controls_to(digit.index)
        self.set_digit(digit)

    def set_digit(self, digit: PanelDigit) -> None:
        self.digit = digit
        self.kept[digit.kind] = digit
        self.preview.value = (f'<img class="siamese-digit" src="{png_data_url(digit.image)}"'
                              ' alt="the digit as the network sees it, 28x28 pixels">')
        known = f", digit {digit.label}" if digit.label is not None else ""
        self.caption.value = (f'<span class="siamese-caption" title="what the network sees: '
                              f'28x28 pixels">{escape(digit.source)}{known}</span>')
        self.message.value = ""
        self._on_change()

    def clear_digit(self, message: str) -> None:
        """No digit in this panel: a message (plain text, escaped here) says why."""
        self.digit = None
        self.preview.value = ""
        self.caption.value = ""
        self.message.value = _note(message) if message else ""
        self._on_change()


def _note(text: str) -> str:
    """A message for the user, escaped: file names and errors are shown as text, never run."""
    return f'<span class="siamese-message">&#9888; {escape(text)}</span>'


# ---------------------------------------------------------------- the comparer

def _described(bundle, text: str | None = None):
    """A widget's display data with a text/plain that says what it is (`text`, by default
    TEXT_WITHOUT_WIDGETS): what GitHub, nbviewer or JupyterLab (for a notebook not trusted, or
    not run) show without its kernel."""
    if isinstance(bundle, dict) and "text/plain" in bundle:
        bundle["text/plain"] = text or TEXT_WITHOUT_WIDGETS
    return bundle


TEXT_WITHOUT_WIDGETS = ("PairComparer: two digit panels (test set, drawing or upload), their "
                        "distance and verdict, and panel A's nearest test digits. It needs a "
                        "running kernel: run this cell. (A picture of it: "
                        "figures/05_browser_jupyterlab.png)")

class PairComparer:
    """Two panels, their distance and verdict, and panel A's nearest test digits.

    Args:
        model: a `SiameseModel` (e.g. `sl.load_model(...)`), or a dict name -> SiameseModel:
            buttons then switch between them (the first is shown first), each at its own
            threshold and margin.
        x, y: the digits to pick from and to search for neighbours (the test split):
            uint8 (N, 28, 28) or float in [0, 1], labels (N,) in 0..9. At least two digits,
            and two images of one of them.
        threshold: the first model's starting verdict threshold (the slider can move it);
            default: the model's own (`model.threshold`, calibrated for the shipped models).
        margin: drawn on the bar; default: the margin the model was trained with.
        large: start with the "large" switch on: text of at least 20 px that grows with the
            window, for a projector (the classroom app, notebooks/app/app.ipynb).

    Raises:
        ValueError: naming the argument that is wrong.
    """

    def __init__(self, model, x: np.ndarray, y: np.ndarray, *, threshold: float | None = None,
                 margin: float | None = None, seed: int = 0, large: bool = False):
        self.models = _check_models(model)
        self.x, self.y = _check_digits(x, y)
        if not isinstance(large, bool | np.bool_):
            raise ValueError(f"large must be True or False, not {large!r}.")
        first = next(iter(self.models.values()))
        self.margin = real_number("margin", first.margin if margin is None else margin,
                                  above=0.0)
        threshold = _check_threshold(first.threshold if threshold is None else threshold,
                                     self.margin)
        seed = whole_number("seed", seed, minimum=0)
        self.model = first
        self._embeddings: dict[str, np.ndarray] = {}
        self.embeddings = self._embeddings_of(next(iter(self.models)))
        self._rng = np.random.default_rng(seed)
        self.distance: float | None = None  # of the last comparison, None without two digits
        self.nearest: tuple[np.ndarray, np.ndarray] | None = None  # panel A's neighbours
        self.vote: int | None = None  # the digit most of them are
        self.seconds_last_comparison: float | None = None
        self.comparisons = 0  # how many times the model compared (one per user action)

        self.panel_a = DigitPanel("A", self.x, self.y, self.compare, seed=seed + 1)
        self.panel_b = DigitPanel("B", self.x, self.y, self.compare, seed=seed + 2)
        self.same_button = w.Button(description="random same pair", icon="clone")
        self.different_button = w.Button(description="random different pair", icon="random")
        self.swap_button = w.Button(description="swap A and B", icon="exchange")
        self.large = w.ToggleButton(value=bool(large), description="large", icon="expand",
                                    tooltip="Bigger text and digits, for a projector")
        self.model_choice = w.ToggleButtons(options=list(self.models),
                                            tooltips=[f"compare with the {name}"
                                                      for name in self.models],
                                            layout={} if len(self.models) > 1
                                            else {"display": "none"})
        self.threshold = w.FloatSlider(value=threshold, min=0.0, max=bar_end(self.margin),
                                       step=0.01, description="threshold", readout=False,
                                       continuous_update=True,
                                       style={"description_width": "initial"})
        self.threshold.add_class("siamese-threshold")
        # the same value, typed: the two move together
        self.threshold_text = w.BoundedFloatText(value=threshold, min=0.0,
                                                 max=self.threshold.max, step=0.01)
        self.threshold_text.add_class("siamese-threshold-text")
        w.link((self.threshold, "value"), (self.threshold_text, "value"))
        w.link((self.threshold, "max"), (self.threshold_text, "max"))
        self.result = w.HTML()
        self.bar = w.HTML()
        self.neighbours = w.HTML()

        self.same_button.on_click(self._guard(lambda _: self.random_pair(same=True)))
        self.different_button.on_click(self._guard(lambda _: self.random_pair(same=False)))
        self.swap_button.on_click(self._guard(lambda _: self.swap()))
        self.threshold.observe(self._guard(lambda _: self.render_verdict()), "value")
        self.model_choice.observe(self._guard(lambda change: self.use_model(change["new"])),
                                  "value")
        self.large.observe(self._guard(lambda change: self._set_large(change["new"])), "value")

        results = w.VBox([self.result, self.bar,
                          w.HBox([self.threshold, self.threshold_text]),
                          w.HTML("<b>Nearest test digits to panel A</b>"), self.neighbours])
        results.add_class("siamese-results")
        main = w.HBox([self.panel_a.widget, self.panel_b.widget, results])
        main.add_class("siamese-main")
        self.widget = w.VBox([
            w.HTML(STYLE),
            w.HBox([self.model_choice, self.same_button, self.different_button,
                    self.swap_button, self.large], layout={"flex_flow": "row wrap"}),
            main,
        ])
        self.widget.add_class("siamese-comparer")
        self._set_large(bool(large))
        self._holding = False
        self.random_pair(same=True)

    def _repr_mimebundle_(self, **kwargs):
        return _described(self.widget._repr_mimebundle_(**kwargs))

    def _set_large(self, large: bool) -> None:
        """The "large" switch: text of at least 20 px, growing with the window."""
        if large:
            self.widget.add_class("siamese-large")
        else:
            self.widget.remove_class("siamese-large")

    # -- the error boundary
    def _guard(self, handler):
        """`handler` wrapped so that any exception clears the result and says what happened."""
        def guarded(*args):
            try:
                handler(*args)
            except Exception as error:  # noqa: BLE001  the boundary: shown to the user
                self._show_failure(error)
        return guarded

    def _show_failure(self, error: Exception) -> None:
        self.distance, self.nearest, self.vote = None, None, None
        self.bar.value = self.neighbours.value = ""
        self.result.value = _note(f"The comparison failed ({type(error).__name__}: {error}). "
                                  "Choose other digits, or re-run the cell.")

    # -- actions
    def use_model(self, name: str) -> None:
        """Compare with another of the models: its threshold and margin, its neighbours."""
        self.model = self.models[name]
        self.embeddings = self._embeddings_of(name)
        self.margin = real_number("margin", self.model.margin, above=0.0)
        with self.threshold.hold_trait_notifications():
            # max first: the typed box (linked) would hold a value above its old max down
            self.threshold.max = bar_end(self.margin)
            self.threshold.value = min(self.model.threshold, self.threshold.max)
        self.compare()

    def _embeddings_of(self, name: str) -> np.ndarray:
        if name not in self._embeddings:
            self._embeddings[name] = embed(self.models[name], self.x)
        return self._embeddings[name]

    def random_pair(self, same: bool) -> None:
        """Put a random same-digit (or different-digit) pair of test images in the panels."""
        digits, counts = np.unique(self.y, return_counts=True)
        if same:
            first = second = int(self._rng.choice(digits[counts >= 2]))
        else:
            first, second = (int(d) for d in self._rng.choice(digits, size=2, replace=False))
        i = int(self._rng.choice(np.flatnonzero(self.y == first)))
        pool = np.flatnonzero(self.y == second)
        j = int(self._rng.choice(pool[pool != i]))
        with self._compared_once():
            self.panel_a.select_test_image(i)
            self.panel_b.select_test_image(j)

    def swap(self) -> None:
        """Exchange the two panels' digits."""
        a, b = self.panel_a.digit, self.panel_b.digit
        kinds = self.panel_a.source.value, self.panel_b.source.value
        with self._compared_once():
            self.panel_a.show(b, kinds[1])
            self.panel_b.show(a, kinds[0])

    @contextlib.contextmanager
    def _compared_once(self):
        """Change both panels inside the block; compare once, at its end."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        self.compare()

    def compare(self) -> None:
        """The panels changed: recompute the distance and the neighbours, then the verdict."""
        if self._holding:
            return
        self._guard(self._compare)()

    def _compare(self) -> None:
        a, b = self.panel_a.digit, self.panel_b.digit
        self.distance = None
        if a is not None and b is not None:
            start = time.perf_counter()
            self.distance = compare_digits(self.model, a.image, b.image)
            self.seconds_last_comparison = time.perf_counter() - start
            self.comparisons += 1
        self.render_verdict()
        self._show_neighbours(a)

    def update(self) -> None:
        """Recompute everything (kept for code written against siamese_lib 0.2)."""
        self.compare()

    def render_verdict(self) -> None:
        """The verdict and the bar for the current distance and threshold (no model call)."""
        if self.distance is None:
            self.result.value = "<i>Give both panels a digit to compare them.</i>"
            self.bar.value = ""
            return
        a, b = self.panel_a.digit, self.panel_b.digit
        said = verdict(self.distance, self.threshold.value)
        truth = ""
        if a is not None and b is not None and a.label is not None and b.label is not None:
            right = (said == "same") == (a.label == b.label)
            truth = " &#10004; right" if right else " &#10008; wrong"
        self.result.value = (
            f'<span class="siamese-result">distance '
            f'<b class="siamese-distance">{self.distance:.3f}</b> &rarr; '
            f'<b class="siamese-verdict siamese-{said}">{said}</b>{truth}</span>')
        self.bar.value = distance_bar_html(self.distance, self.threshold.value, self.margin)

    def _show_neighbours(self, a: PanelDigit | None) -> None:
        if a is None:
            self.nearest, self.vote = None, None
            self.neighbours.value = ""
            return
        k = min(5, len(self.x) - (a.index is not None))
        indices, distances = nearest_digits(self.model, a.image, self.embeddings, k=k,
                                            exclude=a.index)
        self.nearest, self.vote = (indices, distances), majority_digit(self.y[indices])
        cells = "".join(
            f'<div style="display:inline-block;text-align:center;margin-right:0.5em">'
            f'<img class="siamese-neighbour" alt="test digit {int(self.y[k])}" '
            f'src="{png_data_url(to_model_input(self.x[k:k + 1])[0], 2)}"><br>'
            f'<span class="siamese-caption">{int(self.y[k])} (d={d:.3f})</span></div>'
            for k, d in zip(indices, distances, strict=True))
        own = " (not counting itself)" if a.index is not None else ""
        self.neighbours.value = (f'{cells}<div class="siamese-vote">majority vote{own}: '
                                 f"<b>{self.vote}</b></div>")


# ---------------------------------------------------------------- the classroom app

APP_TITLE = "Same digit or not? A Siamese network decides"
APP_WITHOUT_WIDGETS = ("The classroom app: the pair comparer, large, for a projector. `make app` "
                       "serves it as a web page; in JupyterLab, run this cell.")
APP_HOW_TO = ("Give each panel a digit: one from the MNIST test set, one you <b>draw</b>, or a "
              "photo you <b>upload</b>. The network measures how far apart they are: below the "
              "threshold it says <b>same</b>. Beside it: the test digits nearest to panel A.")


class ClassroomApp:
    """The comparer alone, large, under a title and a two-line how-to: notebooks/app/app.ipynb,
    which `make app` serves for a projector.

    Args:
        models, x, y: as for `PairComparer` (each model at its own threshold and margin).
    """

    def __init__(self, models, x: np.ndarray, y: np.ndarray):
        self.comparer = PairComparer(models, x, y, large=True)
        heading = w.HTML(f"<h2>{escape(APP_TITLE)}</h2><p>{APP_HOW_TO}</p>")
        heading.add_class("siamese-heading")
        self.widget = w.VBox([heading, self.comparer.widget])

    def _repr_mimebundle_(self, **kwargs):
        return _described(self.widget._repr_mimebundle_(**kwargs), APP_WITHOUT_WIDGETS)


def classroom_app(models, x: np.ndarray, y: np.ndarray) -> ClassroomApp:
    """The classroom app's page (`ClassroomApp`): in a notebook, it shows itself."""
    return ClassroomApp(models, x, y)


# ---------------------------------------------------------------- checking the arguments

def _check_models(model) -> dict[str, SiameseModel]:
    models = model if isinstance(model, dict) else {"model": model}
    if not models:
        raise ValueError("model must be a SiameseModel or a non-empty dict of them.")
    for name, candidate in models.items():
        if not isinstance(candidate, SiameseModel):
            raise ValueError(f"model {name!r} must be a SiameseModel (load one with "
                             f"sl.load_model), not {type(candidate).__name__}.")
    return {str(name): candidate for name, candidate in models.items()}


def _check_digits(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim not in (3, 4) or x.shape[1:3] != (28, 28):
        raise ValueError(f"x must be digits (N, 28, 28) or (N, 28, 28, 1), got shape {x.shape}.")
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y must hold one label per digit of x ({len(x)}), got shape {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and (y.min() < 0 or y.max() > 9)):
        raise ValueError("y must hold the digits' labels, integers 0-9.")
    digits, counts = np.unique(y, return_counts=True)
    if len(digits) < 2 or counts.max() < 2:
        counts = dict(zip(digits.tolist(), counts.tolist(), strict=True))
        raise ValueError("x and y need at least two different digits, and two images of one "
                         f"digit, for random pairs; got these counts: {counts}.")
    to_model_input(x)  # refuses unscaled floats, with a message that says what to do
    return x, y


def _check_threshold(threshold, margin: float) -> float:
    """The threshold, a number from 0 to where the slider ends (1.5 x the margin)."""
    threshold, top = real_number("threshold", threshold, minimum=0.0), bar_end(margin)
    if threshold > top:
        raise ValueError(f"threshold must be a number from 0 to {top:.2f} (1.5 x the margin), "
                         f"not {threshold!r}.")
    return threshold
