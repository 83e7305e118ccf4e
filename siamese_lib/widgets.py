"""Compare two digits interactively: pick them from the test set, draw them, or upload them.

    comparer = PairComparer(model, x_test, y_test)
    comparer            # in a notebook: shows the widget

The logic lives in plain functions of arrays (`compare_digits`, `verdict`, `nearest_digits`,
`distance_bar_html`), so it is tested without a browser; the widget only wires them up.
Drawing happens in the browser (a small anywidget canvas): strokes render as the pointer moves,
and the image travels to Python once, when a stroke ends. Explained in
notebooks/05_compare_pairs.ipynb.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import time
from dataclasses import dataclass

import anywidget
import ipywidgets as w
import keras
import numpy as np
import traitlets
from PIL import Image

from .embeddings import embed
from .errors import ImageFileError
from .model import to_model_input
from .neighbours import majority_vote as majority_digit
from .preprocessing import preprocess_digit
from .siamese_model import SiameseModel
from .verification import pair_distances

PREVIEW_SCALE = 4  # the 28x28 images the network sees, shown 4x larger


# ---------------------------------------------------------------- the logic, as plain functions

def compare_digits(model: keras.Model, a: np.ndarray, b: np.ndarray) -> float:
    """The model's distance between two digits, each float32 (28, 28, 1) in [0, 1].

    Calls the model directly (about 6 ms here), not `model.predict` (about 49 ms per pair;
    benchmarks/compare_speed.py measures both).
    """
    return float(pair_distances(model, a[np.newaxis], b[np.newaxis])[0])


def verdict(distance: float, threshold: float) -> str:
    """ "same" when the distance is below the threshold, "different" otherwise."""
    return "same" if distance < threshold else "different"


def nearest_digits(model: SiameseModel, image: np.ndarray, embeddings: np.ndarray, *,
                   k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The k reference digits closest to `image`, by the model's own distance (`model.nearest`).

    Args:
        image: float32 (28, 28, 1). embeddings: (N, D) from `embed`.

    Returns:
        `(indices, distances)`: int64 (k,) into the references, float32 (k,), nearest first.
    """
    indices, distances = model.nearest(image[np.newaxis], embeddings, k=k)
    return indices[0], distances[0]


def distance_bar_html(distance: float, threshold: float, margin: float) -> str:
    """A bar from 0 to 1.5 x margin, with the distance, the threshold and the margin marked."""
    top = 1.5 * margin
    def at(value: float) -> str:
        return f"{100 * min(max(value, 0.0), top) / top:.1f}%"
    colour = "#2e7d32" if distance < threshold else "#c62828"
    return (
        '<div class="siamese-bar" style="position:relative;height:26px;width:100%;'
        'max-width:420px;background:linear-gradient(90deg,#e8f5e9 0%,#e8f5e9 '
        f'{at(threshold)},#ffebee {at(threshold)},#ffebee 100%);border:1px solid #999">'
        f'<div title="d" style="position:absolute;left:{at(distance)};top:0;bottom:0;'
        f'width:4px;margin-left:-2px;background:{colour}"></div>'
        f'<div title="threshold" style="position:absolute;left:{at(threshold)};top:-4px;'
        'bottom:-4px;border-left:2px dashed #000"></div>'
        f'<div title="margin" style="position:absolute;left:{at(margin)};top:0;bottom:0;'
        'border-left:2px dotted #666"></div></div>'
        f'<div style="font-size:11px;color:#555">0 &mdash; threshold {threshold:.2f} '
        f'(dashed) &mdash; margin {margin:.2f} (dotted) &mdash; {top:.2f}</div>'
    )


def png_data_url(image: np.ndarray, scale: int = PREVIEW_SCALE) -> str:
    """A float (28, 28[, 1]) image in [0, 1] as a PNG data URL, scaled up without smoothing."""
    pixels = np.round(np.clip(np.squeeze(image), 0, 1) * 255).astype(np.uint8)
    big = Image.fromarray(pixels).resize((pixels.shape[1] * scale, pixels.shape[0] * scale),
                                         Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_data_url(url: str) -> bytes:
    """The bytes inside a `data:...;base64,...` URL (what the canvas sends)."""
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

    Strokes are drawn by the browser as the pointer moves. When a stroke ends, the whole
    drawing is sent to Python once, as a PNG data URL in `image_data` (dark ink on white).
    Setting `image_data` from Python goes through the same observers (that is how the tests
    draw). `clear()` wipes it.
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
      const wipe = () => { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, size, size); };
      wipe();
      let last = null;
      const at = (e) => {
        const r = canvas.getBoundingClientRect();
        return [(e.clientX - r.left) * size / r.width, (e.clientY - r.top) * size / r.height];
      };
      const line = (from, to) => {
        ctx.strokeStyle = "#000";
        ctx.lineWidth = model.get("line_width");
        ctx.lineCap = "round";
        ctx.beginPath();
        ctx.moveTo(from[0], from[1]);
        ctx.lineTo(to[0], to[1]);
        ctx.stroke();
      };
      canvas.addEventListener("pointerdown", (e) => {
        canvas.setPointerCapture(e.pointerId);
        last = at(e);
        line(last, last);
      });
      canvas.addEventListener("pointermove", (e) => {
        if (last === null) return;
        const point = at(e);
        line(last, point);
        last = point;
      });
      const finish = () => {
        if (last === null) return;
        last = null;
        model.set("image_data", canvas.toDataURL("image/png"));
        model.save_changes();
      };
      canvas.addEventListener("pointerup", finish);
      canvas.addEventListener("pointercancel", finish);
      model.on("change:clear_count", wipe);
      el.appendChild(canvas);
    }
    export default { render };
    """
    image_data = traitlets.Unicode("").tag(sync=True)
    clear_count = traitlets.Int(0).tag(sync=True)
    size = traitlets.Int(224).tag(sync=True)
    line_width = traitlets.Float(16.0).tag(sync=True)

    def clear(self) -> None:
        """Wipe the drawing, in the browser and here."""
        self.clear_count += 1
        self.image_data = ""


# ---------------------------------------------------------------- one panel: A or B

@dataclass
class PanelDigit:
    """What a panel holds: the image the network sees, and its digit when known."""

    image: np.ndarray  # float32 (28, 28, 1) in [0, 1]
    label: int | None
    source: str  # e.g. "test set #42", "drawing", "upload: photo.png"


class DigitPanel:
    """One side of the comparison: a digit from the test set, a drawing, or an upload."""

    SOURCES = ("test set", "draw", "upload")

    def __init__(self, name: str, x: np.ndarray, y: np.ndarray, on_change, *, seed: int = 0):
        self.name, self.x, self.y = name, x, y
        self._on_change = on_change
        self._rng = np.random.default_rng(seed)
        self.digit: PanelDigit | None = None

        self.source = w.ToggleButtons(options=self.SOURCES, value="test set",
                                      style={"button_width": "80px"})
        self.digit_choice = w.Dropdown(options=list(range(10)), value=0, description="digit",
                                       layout={"width": "130px"})
        self.index = w.IntSlider(0, min=0, max=int(np.sum(y == 0)) - 1, description="index",
                                 continuous_update=False, layout={"width": "260px"})
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
            w.HTML(f"<b>Panel {name}</b>"), self.source, self.controls,
            w.HTML("<i>what the network sees (28x28):</i>"), self.preview, self.caption,
            self.message,
        ], layout={"border": "1px solid #ccc", "padding": "6px", "width": "300px"})

        self.source.observe(self._source_changed, "value")
        self.digit_choice.observe(self._digit_changed, "value")
        self.index.observe(lambda _: self.show_test_digit(), "value")
        self.random_button.on_click(lambda _: self.random_test_digit())
        self.canvas.observe(self._drawing_changed, "image_data")
        self.clear_button.on_click(lambda _: self.canvas.clear())
        self.upload.observe(self._uploaded, "value")

    # -- sources
    def _indices_of(self, digit: int) -> np.ndarray:
        return np.flatnonzero(self.y == digit)

    def show_test_digit(self) -> None:
        """Show test digit `digit_choice`, number `index` among that digit's images."""
        indices = self._indices_of(self.digit_choice.value)
        k = int(indices[min(self.index.value, len(indices) - 1)])
        self.set_digit(PanelDigit(to_model_input(self.x[k : k + 1])[0], int(self.y[k]),
                                  f"test set #{k}"))

    def select_test_image(self, k: int) -> None:
        """Show test image number k (an index into x)."""
        digit = int(self.y[k])
        position = int(np.searchsorted(self._indices_of(digit), k))
        with self.index.hold_trait_notifications():
            self.source.value = "test set"
            self.digit_choice.value = digit
            self.index.max = len(self._indices_of(digit)) - 1
            self.index.value = position
        self.show_test_digit()

    def random_test_digit(self, digit: int | None = None) -> None:
        """A random test image, of the given digit if one is given."""
        pool = self._indices_of(digit) if digit is not None else np.arange(len(self.y))
        self.select_test_image(int(self._rng.choice(pool)))

    def _digit_changed(self, change) -> None:
        self.index.max = len(self._indices_of(change["new"])) - 1
        self.show_test_digit()

    def _source_changed(self, change) -> None:
        controls = {"test set": self.test_controls, "draw": self.draw_controls,
                    "upload": self.upload_controls}
        self.controls.children = [controls[change["new"]]]
        if change["new"] == "test set":
            self.show_test_digit()

    def _drawing_changed(self, change) -> None:
        if not change["new"]:
            self.clear_digit("Draw a digit in the box above.")
            return
        self.load_image_bytes(lambda: decode_data_url(change["new"]), "drawing")

    def _uploaded(self, change) -> None:
        files = change["new"]
        if not files:
            return
        upload = files[0]
        self.load_image_bytes(lambda: bytes(upload["content"]), f"upload: {upload['name']}")

    def load_image_bytes(self, read, source: str) -> None:
        """Preprocess an image file's bytes into the panel; a bad file only shows a message."""
        try:
            image = preprocess_digit(read())
        except ImageFileError as error:
            self.clear_digit(f"&#9888; {error}")
            return
        self.set_digit(PanelDigit(image, None, source))

    # -- state
    def set_digit(self, digit: PanelDigit) -> None:
        self.digit = digit
        self.preview.value = (f'<img src="{png_data_url(digit.image)}" width="112" height="112"'
                              ' style="image-rendering:pixelated;border:1px solid #999">')
        known = f", digit {digit.label}" if digit.label is not None else ""
        self.caption.value = f"<small>{digit.source}{known}</small>"
        self.message.value = ""
        self._on_change()

    def clear_digit(self, message: str) -> None:
        self.digit = None
        self.preview.value = ""
        self.caption.value = ""
        self.message.value = f'<span class="siamese-message" style="color:#b71c1c">{message}</span>'
        self._on_change()


# ---------------------------------------------------------------- the comparer

class PairComparer:
    """Two panels, their distance and verdict, and panel A's nearest test digits.

    Args:
        model: a `SiameseModel`, e.g. `sl.load_model(...)`.
        x, y: the digits to pick from and to search for neighbours (the test split):
            uint8 (N, 28, 28), labels (N,).
        threshold: the starting verdict threshold (the slider can move it); default: the
            model's own (`model.threshold`: calibrated for the shipped CNN).
        margin: drawn on the bar; default: the margin the model was trained with.
    """

    def __init__(self, model: SiameseModel, x: np.ndarray, y: np.ndarray, *,
                 threshold: float | None = None, margin: float | None = None, seed: int = 0):
        threshold = model.threshold if threshold is None else threshold
        margin = model.margin if margin is None else margin
        self.model, self.x, self.y, self.margin = model, x, np.asarray(y), margin
        self.embeddings = embed(model, x)
        self._rng = np.random.default_rng(seed)
        self.distance: float | None = None  # of the last comparison, None without two digits
        self.nearest: tuple[np.ndarray, np.ndarray] | None = None  # panel A's neighbours
        self.vote: int | None = None  # the digit most of them are
        self.seconds_last_comparison: float | None = None

        self.panel_a = DigitPanel("A", x, self.y, self.update, seed=seed + 1)
        self.panel_b = DigitPanel("B", x, self.y, self.update, seed=seed + 2)
        wide = {"width": "auto"}
        self.same_button = w.Button(description="random same pair", icon="clone", layout=wide)
        self.different_button = w.Button(description="random different pair", icon="random",
                                         layout=wide)
        self.swap_button = w.Button(description="swap A and B", icon="exchange", layout=wide)
        self.threshold = w.FloatSlider(value=threshold, min=0.05, max=round(2 * margin, 2),
                                       step=0.01, description="threshold",
                                       continuous_update=True, readout_format=".2f")
        self.result = w.HTML()
        self.bar = w.HTML()
        self.neighbours = w.HTML()

        self.same_button.on_click(lambda _: self.random_pair(same=True))
        self.different_button.on_click(lambda _: self.random_pair(same=False))
        self.swap_button.on_click(lambda _: self.swap())
        self.threshold.observe(lambda _: self.update(), "value")

        self.widget = w.VBox([
            w.HBox([self.same_button, self.different_button, self.swap_button]),
            w.HBox([self.panel_a.widget, self.panel_b.widget]),
            self.threshold, self.result, self.bar,
            w.HTML("<b>Nearest test digits to panel A</b>"), self.neighbours,
        ])
        self._updating = False
        self.random_pair(same=True)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def random_pair(self, same: bool) -> None:
        """Put a random same-digit (or different-digit) pair of test images in the panels."""
        first = int(self._rng.integers(10))
        second = first if same else int((first + 1 + self._rng.integers(9)) % 10)
        i = int(self._rng.choice(np.flatnonzero(self.y == first)))
        pool = np.flatnonzero(self.y == second)
        j = int(self._rng.choice(pool[pool != i]))
        with self._compared_once():
            self.panel_a.select_test_image(i)
            self.panel_b.select_test_image(j)

    def swap(self) -> None:
        """Exchange the two panels' digits."""
        a, b = self.panel_a.digit, self.panel_b.digit
        with self._compared_once():
            for panel, digit in ((self.panel_a, b), (self.panel_b, a)):
                if digit is None:
                    panel.clear_digit("")
                else:
                    panel.set_digit(digit)

    @contextlib.contextmanager
    def _compared_once(self):
        """Change both panels inside the block; compare once, at its end."""
        self._updating = True
        try:
            yield
        finally:
            self._updating = False
        self.update()

    def update(self) -> None:
        """Recompute the distance, the verdict, the bar and the neighbours."""
        if self._updating:
            return
        a, b = self.panel_a.digit, self.panel_b.digit
        self._show_neighbours(a)
        if a is None or b is None:
            self.distance = None
            self.result.value = "<i>Give both panels a digit to compare them.</i>"
            self.bar.value = ""
            return
        start = time.perf_counter()
        self.distance = compare_digits(self.model, a.image, b.image)
        self.seconds_last_comparison = time.perf_counter() - start
        said = verdict(self.distance, self.threshold.value)
        truth = ""
        if a.label is not None and b.label is not None:
            right = (said == "same") == (a.label == b.label)
            truth = " &#10004; right" if right else " &#10008; wrong"
        colour = "#2e7d32" if said == "same" else "#c62828"
        self.result.value = (
            f'<span class="siamese-result" style="font-size:16px">distance '
            f'<b class="siamese-distance">{self.distance:.3f}</b> &rarr; '
            f'<b class="siamese-verdict" style="color:{colour}">{said}</b>{truth}</span>')
        self.bar.value = distance_bar_html(self.distance, self.threshold.value, self.margin)

    def _show_neighbours(self, a: PanelDigit | None) -> None:
        if a is None:
            self.nearest, self.vote = None, None
            self.neighbours.value = ""
            return
        indices, distances = nearest_digits(self.model, a.image, self.embeddings, k=5)
        self.nearest, self.vote = (indices, distances), majority_digit(self.y[indices])
        cells = "".join(
            f'<div style="display:inline-block;text-align:center;margin-right:8px">'
            f'<img src="{png_data_url(to_model_input(self.x[k:k + 1])[0], 2)}" width="56"'
            f' height="56" style="image-rendering:pixelated"><br><small>{int(self.y[k])}'
            f" (d={d:.3f})</small></div>"
            for k, d in zip(indices, distances, strict=True))
        self.neighbours.value = (f'{cells}<div class="siamese-vote">majority vote: '
                                 f"<b>{self.vote}</b></div>")
