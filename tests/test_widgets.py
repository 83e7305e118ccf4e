"""The widget, driven from Python: buttons clicked, files uploaded, a drawing set, no browser."""

import base64
import datetime
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

import siamese_lib as sl
from siamese_lib import widgets
from siamese_lib.pretrained import PRETRAINED_DIR, load_tutorial_model, model_card

SAMPLES = sl.places.shipped("samples")


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


def drawing_url(points, width=16):
    """What the browser's canvas sends: a PNG data URL of dark strokes on white."""
    image = Image.new("RGB", (224, 224), "white")
    if points:
        ImageDraw.Draw(image).line(points, fill="black", width=width)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


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
    assert widgets.verdict(expected, 0.5) in comparer.result.value


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
    comparer.threshold.value = round(min(distance + 0.1, 2.0), 2)
    assert "same" in comparer.result.value and comparer.distance == distance
    comparer.threshold.value = round(max(distance - 0.1, 0.05), 2)
    assert ">different<" in comparer.result.value


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
    panel.canvas.image_data = drawing_url([(60, 40), (170, 40), (100, 190)])  # a 7
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
    for name, message in [("not_an_image.png", "not an image"), ("blank.png", "No digit found")]:
        upload(panel, name, (SAMPLES / name).read_bytes())
        assert message in panel.message.value and panel.digit is None
        assert comparer.distance is None
    upload(panel, "empty.png", b"")
    assert "empty" in panel.message.value


def test_blank_drawing_and_broken_canvas_data_show_messages(comparer):
    panel = comparer.panel_a
    panel.source.value = "draw"
    panel.canvas.image_data = drawing_url([])  # a blank canvas
    assert "No digit found" in panel.message.value
    panel.canvas.image_data = "data:image/png;base64,@@@"
    assert "could not be read" in panel.message.value


def test_neighbours_are_the_nearest_by_the_models_distance(comparer, mnist):
    _, (x_test, y_test) = mnist
    comparer.panel_a.select_test_image(0)
    indices, distances = widgets.nearest_digits(comparer.model, comparer.panel_a.digit.image,
                                                comparer.embeddings, k=5)
    assert indices[0] == 0 and distances[0] < 1e-3  # itself
    brute = sl.pair_distances(comparer.model, np.repeat(x_test[:1], len(x_test), axis=0), x_test)
    np.testing.assert_array_equal(indices, np.argsort(brute, kind="stable")[:5])
    np.testing.assert_array_equal(comparer.nearest[0], indices)
    assert comparer.vote == widgets.majority_digit(y_test[indices])
    assert f"majority vote: <b>{comparer.vote}</b>" in comparer.neighbours.value


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
