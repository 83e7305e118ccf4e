"""The widget, driven from Python: buttons clicked, files uploaded, a drawing set, no browser."""

import datetime
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

import siamese_lib as sl
from siamese_lib import widgets
from siamese_lib.pretrained import PRETRAINED_DIR, load_tutorial_model, model_card

SAMPLES = sl.places.shipped("samples")
TEXT_WITHOUT_WIDGETS_PICTURE = re.compile(r"A picture of it: (\S+\.png)")


@pytest.fixture(scope="module")
def model():
    return sl.load_model(PRETRAINED_DIR / "mlp_blog_recipe.keras")


@pytest.fixture
def comparer(model, mnist):
    _, (x_test, y_test) = mnist
    return widgets.PairComparer(model, x_test, y_test)


def upload(panel, name, data):
    panel.source.value = "upload"
    panel.upload.value = ({"name": name, "type": "image/png", "size": len(data),
                           "content": memoryview(data),
                           "last_modified": datetime.datetime(2026, 1, 1)},)


def pointer_path(corners, *, steps=15):
    """What the browser's canvas sends for one stroke through `corners`: the pointer's points,
    every few pixels along each segment, rounded to 0.1 pixel as the canvas rounds them."""
    points = [list(corners[0])]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:], strict=False):
        for step in range(1, steps + 1):
            t = step / steps
            points.append([round(x0 + t * (x1 - x0), 1), round(y0 + t * (y1 - y0), 1)])
    return points


SEVEN = [pointer_path([(60, 40), (170, 40), (100, 190)])]  # a 7, one stroke, 150 px tall


def test_shipped_model_loads_safely_and_reaches_its_stated_accuracy(model, mnist):
    _, (x_test, y_test) = mnist
    card = model_card()
    result = sl.evaluate_pairs(model, x_test, y_test, n_pairs=10_000, seed=1)
    assert card["test_pair_accuracy"] >= 0.97
    assert result.accuracy == pytest.approx(card["test_pair_accuracy"], abs=0.002)


def test_shipped_cnn_reaches_its_stated_accuracies_at_both_thresholds(mnist):
    _, (x_test, y_test) = mnist
    card = model_card("cnn")
    cnn = sl.load_model(PRETRAINED_DIR / "cnn.keras")  # safe_mode=True
    assert card["training_images"] == 55_000  # the last 5,000 were kept for calibration
    at_half = sl.evaluate_pairs(cnn, x_test, y_test, n_pairs=10_000, seed=1)
    calibrated = sl.evaluate_pairs(cnn, x_test, y_test, threshold=card["threshold"], seed=1)
    assert at_half.accuracy == pytest.approx(card["test_pair_accuracy"], abs=0.002)
    assert calibrated.accuracy == pytest.approx(card["test_pair_accuracy_at_threshold"],
                                                abs=0.002)
    assert card["test_pair_accuracy"] >= 0.99 and card["threshold"] != 0.5


def test_notebook_model_falls_back_to_the_shipped_one(monkeypatch, tmp_path):
    from siamese_lib import pretrained

    monkeypatch.setattr(pretrained, "MODELS_DIR", tmp_path)  # no model of your own
    _, path = load_tutorial_model()
    assert path == PRETRAINED_DIR / "mlp_blog_recipe.keras"


def test_starts_with_a_same_pair_and_judges_it(comparer):
    a, b = comparer.panel_a.digit, comparer.panel_b.digit
    assert a.label == b.label
    expected = widgets.compare_digits(comparer.model, a.image, b.image)
    assert comparer.distance == pytest.approx(expected)
    assert f"{expected:.3f}" in comparer.result.value
    assert widgets.verdict(expected, comparer.threshold.value) in comparer.result.value
    assert comparer.threshold.value == comparer.model.threshold  # the calibrated threshold


def test_buttons_pick_same_and_different_pairs_and_swap(comparer):
    for _ in range(5):
        comparer.different_button.click()
        assert comparer.panel_a.digit.label != comparer.panel_b.digit.label
        comparer.same_button.click()
        a, b = comparer.panel_a.digit, comparer.panel_b.digit
        assert a.label == b.label and a.source != b.source  # never one image twice
    before_a, before_b = comparer.panel_a.digit, comparer.panel_b.digit
    comparer.swap_button.click()
    assert comparer.panel_a.digit is before_b and comparer.panel_b.digit is before_a


def test_threshold_slider_changes_the_verdict_not_the_distance(comparer):
    comparer.different_button.click()
    distance = comparer.distance
    calls = comparer.comparisons
    comparer.threshold.value = round(min(distance + 0.1, comparer.threshold.max), 2)
    assert "same" in comparer.result.value and comparer.distance == distance
    comparer.threshold.value = round(max(distance - 0.1, 0.05), 2)
    assert ">different<" in comparer.result.value
    assert comparer.comparisons == calls  # the slider re-renders the verdict, nothing else
    assert comparer.threshold.max == 1.5 and "&mdash; 1.50</div>" in comparer.bar.value


def test_test_set_controls_choose_digit_and_index(comparer, mnist):
    _, (_, y_test) = mnist
    panel = comparer.panel_a
    panel.digit_choice.value = 6
    panel.index.value = 10
    assert panel.digit.label == 6
    assert panel.digit.source == f"test set #{np.flatnonzero(y_test == 6)[10]}"
    panel.random_button.click()
    assert panel.digit.source.startswith("test set #")


def test_a_drawing_reaches_the_model_through_the_canvas_trait(comparer):
    panel = comparer.panel_a
    panel.source.value = "draw"
    assert panel.controls.children == (panel.draw_controls,)
    before = comparer.distance
    panel.canvas.strokes = SEVEN
    assert panel.digit.source == "drawing" and panel.digit.label is None
    assert comparer.distance != before
    assert comparer.vote == 7 and "majority vote: <b>7</b>" in comparer.neighbours.value
    panel.clear_button.click()
    assert panel.digit is None and panel.canvas.clear_count == 1
    assert "Draw a digit" in panel.message.value
    assert "Give both panels a digit" in comparer.result.value


def test_uploads_good_and_bad_never_raise(comparer):
    panel = comparer.panel_b
    upload(panel, "photo_3.jpg", (SAMPLES / "photo_3.jpg").read_bytes())
    assert panel.digit.source == "upload: photo_3.jpg" and comparer.distance is not None
    for name, message in [("not_an_image.png", "not an image"), ("blank.png", "no digit found")]:
        upload(panel, name, (SAMPLES / name).read_bytes())
        assert message in panel.message.value and panel.digit is None
        assert comparer.distance is None
    upload(panel, "empty.png", b"")
    assert "empty" in panel.message.value


def test_blank_drawing_and_broken_canvas_data_show_messages(comparer):
    panel = comparer.panel_a
    panel.source.value = "draw"
    panel.canvas.strokes = [[[100.0, 100.0]]]  # one click: a dot
    assert "no digit found" in panel.message.value and panel.digit is None
    panel.canvas.strokes = [[["x", 3]]]  # what no browser sends
    assert "stroke 0 is not a list of [x, y] numbers" in panel.message.value
    panel.canvas.strokes = []
    assert "Draw a digit" in panel.message.value


def test_neighbours_are_the_nearest_by_the_models_distance(comparer, mnist):
    _, (x_test, y_test) = mnist
    comparer.panel_a.select_test_image(0)
    indices, distances = widgets.nearest_digits(comparer.model, comparer.panel_a.digit.image,
                                                comparer.embeddings, k=5)
    assert indices[0] == 0 and distances[0] < 1e-3  # itself
    brute = sl.pair_distances(comparer.model, np.repeat(x_test[:1], len(x_test), axis=0), x_test)
    np.testing.assert_array_equal(indices, np.argsort(brute, kind="stable")[:5])
    # The widget leaves the digit's own image out: the next five, and the vote says so.
    np.testing.assert_array_equal(comparer.nearest[0], np.argsort(brute, kind="stable")[1:6])
    assert 0 not in comparer.nearest[0] and "not counting itself" in comparer.neighbours.value
    indices = comparer.nearest[0]
    assert comparer.vote == widgets.majority_digit(y_test[indices])
    assert f"(not counting itself): <b>{comparer.vote}</b>" in comparer.neighbours.value


def test_plain_functions():
    assert widgets.verdict(0.49, 0.5) == "same" and widgets.verdict(0.5, 0.5) == "different"
    assert widgets.majority_digit(np.array([3, 5, 5, 3, 1])) == 3  # tie: nearest first
    assert widgets.majority_digit(np.array([3, 5, 5, 1, 1])) == 5
    bar = widgets.distance_bar_html(0.75, 0.5, 1.0)
    assert "left:50.0%" in bar and "left:33.3%" in bar and "left:66.7%" in bar
    assert widgets.distance_bar_html(9.0, 0.5, 1.0).count("left:100.0%") == 1  # clipped
    url = widgets.png_data_url(np.ones((28, 28, 1), np.float32))
    with Image.open(io.BytesIO(widgets.decode_data_url(url))) as image:
        assert image.size == (112, 112)
    with pytest.raises(sl.ImageFileError):
        widgets.decode_data_url("https://example.org/x.png")


def test_make_pretrained_writes_a_card_that_matches_the_model(monkeypatch, tmp_path):
    """`make models`, with a stand-in for the 4-minute training: split, card, atomic files."""
    from siamese_lib import pretrained

    seen = {}

    def quick_recipe(recipe, x, y, **kwargs):
        seen["recipe"], seen["images"] = recipe, len(x)
        return sl.build_siamese("cnn" if recipe == "cnn" else "mlp"), None

    monkeypatch.setattr(pretrained, "train_recipe", quick_recipe)
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path)
    card = pretrained.make_pretrained("cnn")
    assert seen == {"recipe": "cnn", "images": 55_000}
    assert card["training_images"] == 55_000 and 0 <= card["threshold"] <= 2
    assert card == model_card_at(tmp_path / "cnn.json")
    loaded = sl.load_model(tmp_path / "cnn.keras")
    _, (x_test, y_test) = sl.load_mnist()
    at_threshold = sl.evaluate_pairs(loaded, x_test, y_test, threshold=card["threshold"], seed=1)
    assert at_threshold.accuracy == pytest.approx(card["test_pair_accuracy_at_threshold"],
                                                  abs=1e-4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn.json", "cnn.keras"]


def model_card_at(path):
    import json

    return json.loads(path.read_text())


# ---------------------------------------------------------------- issue 11: a widget that holds up

def scaled(strokes, factor, centre=(112, 112)):
    """The same drawing, `factor` times the size, about the canvas's centre."""
    return [[[round(centre[0] + factor * (x - centre[0]), 1),
              round(centre[1] + factor * (y - centre[1]), 1)] for x, y in stroke]
            for stroke in strokes]


def test_a_digit_drawn_small_reaches_the_network_like_one_drawn_big(comparer):
    """Python draws the canvas's points again with a pen that grows with the drawing, so a
    7 drawn 37 pixels tall (a quarter of the 150-pixel one) looks the same to the network."""
    panel = comparer.panel_a
    panel.source.value = "draw"
    panel.canvas.strokes = SEVEN
    big = panel.digit.image
    assert panel.message.value == "" and comparer.vote == 7
    panel.canvas.strokes = scaled(SEVEN, 0.25)
    small = panel.digit.image

    def softened(image):  # a 1-pixel blur: thin strokes a pixel apart still match
        pixels = Image.fromarray((image[..., 0] * 255).astype(np.uint8))
        return np.asarray(pixels.filter(ImageFilter.GaussianBlur(1)), np.float32).ravel()

    assert np.corrcoef(softened(big), softened(small))[0, 1] > 0.85  # measured 0.90
    assert comparer.vote == 7
    assert "Drawn small (38 of 224 pixels)" in panel.message.value  # a hint, the digit kept
    from siamese_lib import preprocessing, strokes

    width = preprocessing.stroke_width(np.kron(small[..., 0], np.ones((4, 4))))
    assert abs(width - preprocessing.MNIST_STROKE[1]) < 1.0  # MNIST's width, not the pen's
    drawn = strokes.draw_strokes(scaled(SEVEN, 0.25))
    assert drawn.shape == (224, 224) and 0.0 < drawn[drawn > 0].min() < 0.5  # anti-aliased


def test_every_user_string_is_escaped(comparer):
    hostile = '5<img src=x onerror="alert(1)">.png'
    upload(comparer.panel_b, hostile, (SAMPLES / "photo_3.jpg").read_bytes())
    caption = comparer.panel_b.caption.value
    assert "<img src=x" not in caption
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in caption
    upload(comparer.panel_b, hostile, b"not a picture")
    message = comparer.panel_b.message.value
    assert "<img src=x" not in message and "5&lt;img src=x" in message


def test_any_error_becomes_a_message_and_clears_the_stale_result(comparer, monkeypatch):
    upload(comparer.panel_b, "photo_3.jpg", (SAMPLES / "photo_3.jpg").read_bytes())
    assert comparer.distance is not None

    def broken(*args, **kwargs):
        raise RuntimeError("the decoder fell over")

    monkeypatch.setattr(widgets, "preprocess_digit", broken)
    upload(comparer.panel_b, "photo_3.jpg", (SAMPLES / "photo_3.jpg").read_bytes())
    assert "Something went wrong (RuntimeError: the decoder fell over)" in \
        comparer.panel_b.message.value
    assert comparer.panel_b.digit is None and comparer.distance is None
    assert "Give both panels a digit" in comparer.result.value and comparer.bar.value == ""

    monkeypatch.setattr(widgets, "compare_digits", broken)
    comparer.same_button.click()
    assert "The comparison failed (RuntimeError: the decoder fell over)" in comparer.result.value
    assert comparer.distance is None
    assert comparer.bar.value == "" and comparer.neighbours.value == ""


def test_uploading_the_same_file_again_is_compared_again(comparer):
    data = (SAMPLES / "photo_3.jpg").read_bytes()
    upload(comparer.panel_b, "photo_3.jpg", data)
    first = comparer.panel_b.digit
    assert comparer.panel_b.upload.value == ()  # cleared, so that the same file is a change
    comparisons = comparer.comparisons
    upload(comparer.panel_b, "photo_3.jpg", data)
    assert comparer.panel_b.digit is not first  # read again ...
    assert comparer.panel_b.digit.source == "upload: photo_3.jpg"
    assert comparer.comparisons == comparisons + 1  # ... and compared again


def test_switching_source_always_shows_what_is_compared(comparer):
    panel = comparer.panel_a
    panel.source.value = "draw"
    assert panel.digit is None and "Draw a digit" in panel.message.value
    assert comparer.distance is None
    panel.canvas.strokes = SEVEN
    drawing = panel.digit
    panel.source.value = "upload"
    assert panel.digit is None and "Choose a picture" in panel.message.value
    panel.source.value = "test set"
    assert panel.digit.kind == "test set" and comparer.distance is not None
    panel.source.value = "draw"
    assert panel.digit is drawing  # the drawing is still on the canvas: it is compared again
    comparer.swap_button.click()  # the controls, and the canvas, follow the digit that moved
    assert comparer.panel_b.source.value == "draw" and comparer.panel_a.source.value == "test set"
    assert comparer.panel_b.canvas.strokes == SEVEN and comparer.panel_b.digit is drawing
    assert comparer.panel_a.digit_choice.value == comparer.panel_a.digit.label
    comparer.panel_b.canvas.clear()  # panel B: draw, with nothing drawn
    comparer.swap_button.click()  # an empty panel moves too: A says what to do, B is empty
    assert comparer.panel_a.source.value == "draw" and comparer.panel_a.digit is None
    assert "Draw a digit" in comparer.panel_a.message.value
    assert comparer.panel_b.source.value == "test set" and comparer.panel_b.digit is not None


def test_one_comparison_per_click(comparer):
    comparer.panel_a.digit_choice.value = 1
    comparer.panel_a.index.value = comparer.panel_a.index.max  # the most 1s; 5s are fewer
    for act in (comparer.same_button.click, comparer.different_button.click,
                comparer.swap_button.click, comparer.panel_a.random_button.click,
                lambda: setattr(comparer.panel_a.digit_choice, "value", 5),
                lambda: setattr(comparer.panel_b.index, "value", 7)):
        before = comparer.comparisons
        act()
        assert comparer.comparisons == before + 1, act


def test_constructor_arguments_are_checked(model, mnist):
    _, (x_test, y_test) = mnist
    x, y = x_test[:500], y_test[:500]
    for kwargs, message in [
        ({"margin": 0.0}, "margin must be"),
        ({"margin": float("nan")}, "margin must be a finite number"),
        ({"margin": True}, "margin must be a number"),
        ({"threshold": 2.0}, "threshold must be a number from 0 to 1.50"),
        ({"threshold": -0.1}, "threshold must be"),
        ({"seed": "one"}, "seed must be a whole number"),
        ({"seed": -1}, "seed must be"),
    ]:
        with pytest.raises(ValueError, match=message):
            widgets.PairComparer(model, x, y, **kwargs)
    with pytest.raises(ValueError, match="model 'model' must be a SiameseModel"):
        widgets.PairComparer(model.base_network, x, y)
    with pytest.raises(ValueError, match="y must hold one label per digit"):
        widgets.PairComparer(model, x, y[:-1])
    with pytest.raises(ValueError, match="at least two different digits"):
        widgets.PairComparer(model, x[y == 3], y[y == 3])
    with pytest.raises(ValueError, match="x must be digits"):
        widgets.PairComparer(model, x[:, :20], y)
    with pytest.raises(ValueError, match="images"):  # floats in 0..255: not scaled
        widgets.PairComparer(model, x.astype(np.float32), y)
    tiny = widgets.PairComparer(model, x[:4], np.array([3, 3, 5, 5]))  # fewer than 6 digits
    assert tiny.distance is not None and len(tiny.nearest[0]) == 3  # all the others
    no_sevens = widgets.PairComparer(model, x[y != 7], y[y != 7])  # a test set missing a digit
    assert 7 not in no_sevens.panel_a.digit_choice.options
    for _ in range(10):
        no_sevens.different_button.click()
        assert 7 not in (no_sevens.panel_a.digit.label, no_sevens.panel_b.digit.label)


def test_the_calibrated_cnn_by_default_and_the_mlp_one_click_away(model, mnist):
    _, (x_test, y_test) = mnist
    cnn = sl.load_model(PRETRAINED_DIR / "cnn.keras")
    comparer = widgets.PairComparer({"CNN": cnn, "MLP (the blog's)": model},
                                    x_test[:2000], y_test[:2000])
    assert comparer.model is cnn and comparer.threshold.value == pytest.approx(cnn.threshold)
    assert comparer.model_choice.layout.display != "none"
    cnn_distance = comparer.distance
    comparer.model_choice.value = "MLP (the blog's)"
    assert comparer.model is model and comparer.threshold.value == pytest.approx(model.threshold)
    assert comparer.distance != cnn_distance
    assert model_card()["threshold"] == pytest.approx(model.threshold, abs=1e-4) != 0.5


def test_the_threshold_can_be_typed(comparer):
    comparer.different_button.click()
    distance, calls = comparer.distance, comparer.comparisons
    comparer.threshold_text.value = round(min(distance + 0.05, 1.5), 2)  # typed in the box
    assert comparer.threshold.value == comparer.threshold_text.value
    assert ">same<" in comparer.result.value
    comparer.threshold.value = 0.05  # the slider moves the box too
    assert comparer.threshold_text.value == 0.05 and ">different<" in comparer.result.value
    comparer.threshold_text.value = 9.0  # past the bar's end: held at it
    top = comparer.threshold.max
    assert top == widgets.bar_end(comparer.margin)
    assert comparer.threshold.value == comparer.threshold_text.value == top
    assert comparer.comparisons == calls


def test_the_large_switch_and_the_look_travel_with_the_widget(model, mnist):
    _, (x_test, y_test) = mnist
    comparer = widgets.PairComparer(model, x_test[:300], y_test[:300])
    assert "siamese-comparer" in comparer.widget._dom_classes
    assert "siamese-large" not in comparer.widget._dom_classes
    comparer.large.value = True
    assert "siamese-large" in comparer.widget._dom_classes
    comparer.large.value = False
    assert "siamese-large" not in comparer.widget._dom_classes
    big = widgets.PairComparer(model, x_test[:300], y_test[:300], large=True)
    assert big.large.value and "siamese-large" in big.widget._dom_classes
    with pytest.raises(ValueError, match="large must be True or False"):
        widgets.PairComparer(model, x_test[:300], y_test[:300], large="yes")
    assert widgets.PairComparer(model, x_test[:300], y_test[:300], large=np.bool_(True)).large.value
    style = comparer.widget.children[0].value
    assert style.startswith("<style>") and 'data-jp-theme-light="false"' in style
    assert "--siamese-large-font: max(20px," in style  # the projector's smallest text
    # no colour of text is fixed in the HTML: the style sheet's theme variables decide
    assert "color:" not in comparer.result.value + comparer.neighbours.value
    assert "siamese-verdict siamese-" in comparer.result.value
    assert "color:" not in comparer.panel_a.caption.value + comparer.bar.value.split("</div>")[-2]


def test_without_a_kernel_the_widget_says_what_it_is(comparer):
    """What GitHub, nbviewer or a viewer without widgets shows for the comparer."""
    bundle = comparer._repr_mimebundle_()
    assert bundle["text/plain"] == widgets.TEXT_WITHOUT_WIDGETS
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "run this cell" in widgets.TEXT_WITHOUT_WIDGETS
    picture = TEXT_WITHOUT_WIDGETS_PICTURE.search(widgets.TEXT_WITHOUT_WIDGETS).group(1)
    assert (Path(__file__).resolve().parent.parent / picture).is_file()


def test_the_classroom_app_is_the_comparer_alone_large(model, mnist):
    _, (x_test, y_test) = mnist
    app = widgets.classroom_app({"MLP": model}, x_test[:300], y_test[:300])
    heading, comparer_widget = app.widget.children
    assert widgets.APP_TITLE in heading.value and "<b>draw</b>" in heading.value
    assert comparer_widget is app.comparer.widget and app.comparer.large.value
    assert "siamese-large" in comparer_widget._dom_classes
    assert app.comparer.distance is not None  # a first pair is already compared
    assert app._repr_mimebundle_()["text/plain"] == widgets.APP_WITHOUT_WIDGETS
    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "app" / "app.ipynb"
    cells = json.loads(notebook.read_text())["cells"]
    assert [cell["cell_type"] for cell in cells] == ["code"]  # nothing else on the page
    assert "widgets.classroom_app(models, x_test, y_test)" in "".join(cells[0]["source"])
