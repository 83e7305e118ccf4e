"""preprocess_digit: MNIST's own recipe on synthetic photos and drawings, and every bad input."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import siamese_lib as sl
from siamese_lib.preprocessing import preprocess_digit

SAMPLES = sl.places.shipped("samples")


def png_bytes(image: Image.Image, **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=save_args.pop("format", "PNG"), **save_args)
    return buffer.getvalue()


def synthetic_photo(digit: np.ndarray, rng, side=300, noise=0.03) -> bytes:
    """Dark ink on paper, lit unevenly, with noise, as a JPEG."""
    ink = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR),
                     np.float32) / 255
    light = np.linspace(0.55, 1.0, side)[None, :] * np.linspace(0.8, 1.0, side)[:, None]
    photo = np.clip((1 - 0.85 * ink) * light + rng.normal(0, noise, ink.shape), 0, 1)
    return png_bytes(Image.fromarray((photo * 255).astype(np.uint8)).convert("RGB"),
                     format="JPEG", quality=85)


def nearest_digit(images, x_train, y_train):
    """1-NN labels of float images (N, 28, 28) against the scaled training images."""
    return sl.knn_classify(images, references=x_train / 255.0, reference_labels=y_train)


def test_mnist_digits_come_back_as_themselves(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    processed = np.stack([preprocess_digit(x_test[k]) for k in range(200)])
    assert processed.shape == (200, 28, 28, 1) and processed.dtype == np.float32
    assert processed.min() >= 0 and processed.max() == 1.0
    correlation = [np.corrcoef(p.ravel(), x.ravel())[0, 1]
                   for p, x in zip(processed, x_test[:200], strict=True)]
    assert np.mean(correlation) > 0.93
    predicted = nearest_digit(processed[..., 0], x_train, y_train)
    assert np.mean(predicted == y_test[:200]) >= 0.97  # 1-NN on the originals: 0.985


def test_photos_of_digits_on_paper_are_recognised(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    rng = np.random.default_rng(0)
    processed = np.stack([preprocess_digit(synthetic_photo(x_test[k], rng))[..., 0]
                          for k in range(100)])
    predicted = nearest_digit(processed, x_train, y_train)
    assert np.mean(predicted == y_test[:100]) >= 0.93  # measured 0.97


def test_the_mnist_frame_digit_20_pixels_centre_of_mass_14():
    drawing = Image.new("L", (400, 200), 255)  # a wide page
    drawing.paste(0, (50, 60, 350, 90))  # a thick horizontal bar: 300 x 30 pixels
    image = preprocess_digit(png_bytes(drawing))[..., 0]
    rows, cols = np.nonzero(image > 0.1)
    assert cols.max() - cols.min() + 1 in (20, 21)  # longest side 20 (anti-aliased edges)
    assert rows.max() - rows.min() + 1 <= 4  # aspect ratio kept
    centre = [(np.indices(image.shape)[axis] * image).sum() / image.sum() for axis in (0, 1)]
    np.testing.assert_allclose(centre, [14, 14], atol=0.6)


def test_dark_on_light_and_light_on_dark_give_the_same_digit(mnist):
    _, (x_test, _) = mnist
    white_on_black = preprocess_digit(x_test[0])
    black_on_white = preprocess_digit(255 - x_test[0])
    np.testing.assert_allclose(white_on_black, black_on_white, atol=1e-5)


def test_every_sample_file_is_read_as_its_digit(mnist):
    (x_train, y_train), _ = mnist
    expected = {"photo_3.jpg": 3, "drawing_7.png": 7, "chalk_5.png": 5, "animated_4.gif": 4,
                "scan16_2.png": 2}
    for name, digit in expected.items():
        image = preprocess_digit(SAMPLES / name)
        assert nearest_digit(image[None, ..., 0], x_train, y_train)[0] == digit, name


def test_animated_gif_uses_the_first_frame():
    four = (SAMPLES / "animated_4.gif").read_bytes()
    with Image.open(io.BytesIO(four)) as gif:
        assert gif.n_frames == 2
        gif.seek(1)
        second = preprocess_digit(gif.convert("L"))
    first = preprocess_digit(four)
    assert not np.allclose(first, second)
    with Image.open(io.BytesIO(four)) as gif:
        np.testing.assert_allclose(first, preprocess_digit(gif.convert("L")), atol=1e-6)


def test_sixteen_bit_png_matches_its_eight_bit_copy(mnist):
    _, (x_test, _) = mnist
    digit = x_test[3]
    sixteen = Image.fromarray(digit.astype(np.uint16) * 257)
    assert sixteen.mode == "I;16"
    np.testing.assert_allclose(preprocess_digit(png_bytes(sixteen)), preprocess_digit(digit),
                               atol=1e-4)


def test_transparency_white_or_black_strokes(mnist):
    _, (x_test, _) = mnist
    alpha = x_test[5]
    for colour in (0, 255):  # black strokes, white strokes, both on a transparent ground
        rgba = np.zeros((28, 28, 4), np.uint8)
        rgba[..., :3] = colour
        rgba[..., 3] = alpha
        image = preprocess_digit(png_bytes(Image.fromarray(rgba)))
        assert np.corrcoef(image.ravel(), preprocess_digit(alpha).ravel())[0, 1] > 0.95


def test_huge_image_is_refused_before_decoding():
    huge = png_bytes(Image.new("L", (8000, 6000), 255))  # 48 megapixels, a tiny file
    with pytest.raises(sl.ImageFileError, match="too large to open safely"):
        preprocess_digit(huge)


def test_large_photo_is_downscaled_first_with_the_same_result(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    large = preprocess_digit(synthetic_photo(x_test[0], np.random.default_rng(1), side=2400))
    normal = preprocess_digit(synthetic_photo(x_test[0], np.random.default_rng(1), side=300))
    assert large.shape == (28, 28, 1)
    assert np.corrcoef(large.ravel(), normal.ravel())[0, 1] > 0.8  # measured 0.83
    assert nearest_digit(large[None, ..., 0], x_train, y_train)[0] == y_test[0]


@pytest.mark.parametrize("data, message", [
    (b"", "the image: the file is empty"),
    (b"These are notes, not a picture.", "the image: not an image that can be read"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "the image: not an image that can be read"),  # broken
])
def test_bad_files_get_clear_messages(data, message):
    with pytest.raises(sl.ImageFileError, match=message):
        preprocess_digit(data)


def test_blank_drawing_and_specks_have_no_digit():
    with pytest.raises(sl.ImageFileError, match="no digit found"):
        preprocess_digit(png_bytes(Image.new("RGB", (224, 224), "white")))
    noisy = np.clip(0.9 + np.random.default_rng(0).normal(0, 0.02, (200, 200)), 0, 1)
    with pytest.raises(sl.ImageFileError, match="no digit found"):
        preprocess_digit(noisy.astype(np.float32))
    with pytest.raises(sl.ImageFileError, match="no digit found"):
        preprocess_digit(SAMPLES / "blank.png")


def test_missing_path_and_wrong_types():
    with pytest.raises(sl.ImageFileError, match="No image file at"):
        preprocess_digit(Path("/no/such/digit.png"))
    with pytest.raises(sl.ImageFileError, match="Expected an image file, bytes or an array"):
        preprocess_digit(12345)
    with pytest.raises(sl.ImageFileError, match="the array: expected a 2-D image"):
        preprocess_digit(np.zeros((1, 5), np.uint8))


def test_image_for_display_scales_a_sixteen_bit_scan_and_keeps_colour(mnist):
    from siamese_lib.preprocessing import image_for_display

    scan = image_for_display(SAMPLES / "scan16_2.png")
    with Image.open(SAMPLES / "scan16_2.png") as raw:
        assert raw.mode.startswith("I")
        naive = np.asarray(raw.convert("L"))  # what imshow(convert(...)) used to show
    assert scan.ndim == 2 and scan.dtype == np.float32
    assert scan.min() >= 0.0 and scan.max() <= 1.0
    assert scan.max() - scan.min() > 0.5  # ink and paper both visible
    assert naive.min() == naive.max()  # the naive conversion is one flat colour: blank
    _, (x_test, _) = mnist
    np.testing.assert_allclose(image_for_display(png_bytes(Image.fromarray(x_test[3]))),
                               x_test[3] / 255.0, atol=1e-6)
    drawing = image_for_display(SAMPLES / "drawing_7.png")
    assert drawing.shape[2] == 4  # transparency kept for display
    with pytest.raises(sl.ImageFileError, match="not an image"):
        image_for_display(SAMPLES / "not_an_image.png")
