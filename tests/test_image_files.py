"""The blog's file workflow: export digits as JPG files, read them back, run the blog's loop."""

import glob
import os

import numpy as np
import pytest
from PIL import Image

import siamese_lib as sl


def blog_process(path):
    """The blog's process(), ported to numpy 2 / Pillow (same steps, same order)."""
    img = Image.open(path, "r").convert("L").resize((28, 28))
    return np.array(img).reshape((28, 28, 1)) / 255


def test_export_then_blog_loop_reads_every_digit(tmp_path, small_mnist):
    (x, y), _ = small_mnist
    paths = sl.export_image_folder(x[:50], y[:50], tmp_path / "train_images")
    assert [p.name for p in paths[:3]] == ["00000_5.jpg", "00001_0.jpg", "00002_4.jpg"]
    # The blog's own loop (with / instead of its Windows backslash).
    imgset = [[], [], [], [], [], [], [], [], [], []]
    for i in glob.glob(os.path.join(str(tmp_path / "train_images"), "*.jpg")):
        imgset[int(i[-5])].append(blog_process(i))
    assert [len(s) for s in imgset] == np.bincount(y[:50], minlength=10).tolist()


def test_load_image_folder_matches_blog_process_and_labels(tmp_path, small_mnist):
    (x, y), _ = small_mnist
    paths = sl.export_image_folder(x[:40], y[:40], tmp_path)
    images, labels = sl.load_image_folder(tmp_path)
    assert images.shape == (40, 28, 28, 1) and images.dtype == np.float32
    np.testing.assert_array_equal(labels, y[:40])
    np.testing.assert_allclose(images[7], blog_process(paths[7]), atol=1e-6)


def test_jpeg_changes_pixels_only_a_little(tmp_path, small_mnist):
    (x, y), _ = small_mnist
    sl.export_image_folder(x[:100], y[:100], tmp_path, quality=95)
    images, _ = sl.load_image_folder(tmp_path)
    error = np.abs(images[..., 0] - x[:100] / 255)
    assert 0 < error.mean() < 0.02  # lossy, but close


def test_png_export_is_lossless(tmp_path, small_mnist):
    (x, y), _ = small_mnist
    sl.export_image_folder(x[:20], y[:20], tmp_path, suffix=".png")
    images, _ = sl.load_image_folder(tmp_path)
    np.testing.assert_array_equal(np.round(images[..., 0] * 255).astype(np.uint8), x[:20])


def test_labels_from_sub_folders(tmp_path, small_mnist):
    (x, y), _ = small_mnist
    for digit in (3, 8):
        (tmp_path / str(digit)).mkdir()
        Image.fromarray(x[y == digit][0]).save(tmp_path / str(digit) / "mine.png")
    images, labels = sl.load_image_folder(tmp_path)
    assert labels.tolist() == [3, 8] and images.shape == (2, 28, 28, 1)


def test_float_images_export(tmp_path, small_mnist):
    (x, y), _ = small_mnist
    sl.export_image_folder(sl.to_model_input(x[:5]), y[:5], tmp_path, suffix=".png")
    images, _ = sl.load_image_folder(tmp_path)
    np.testing.assert_allclose(images, sl.to_model_input(x[:5]), atol=1 / 255)


def test_load_digit_image_shape_and_range(tmp_path):
    Image.new("RGB", (100, 60), (255, 255, 255)).save(tmp_path / "big.png")
    image = sl.load_digit_image(tmp_path / "big.png")
    assert image.shape == (28, 28, 1) and image.dtype == np.float32
    assert image.min() == image.max() == 1.0


def test_missing_image_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No image file at .*nope.png"):
        sl.load_digit_image(tmp_path / "nope.png")


def test_not_an_image(tmp_path):
    (tmp_path / "notes_3.jpg").write_text("not a picture")
    with pytest.raises(sl.ImageFileError, match="notes_3.jpg: not an image that can be read"):
        sl.load_digit_image(tmp_path / "notes_3.jpg")


def test_file_without_a_digit_in_its_name(tmp_path):
    Image.new("L", (28, 28)).save(tmp_path / "digit.png")
    with pytest.raises(sl.ImageFileError, match="Cannot tell which digit .*digit.png"):
        sl.load_image_folder(tmp_path)


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(sl.ImageFileError, match="holds no image files"):
        sl.load_image_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match="No folder at"):
        sl.load_image_folder(tmp_path / "missing")


def test_export_rejects_bad_shapes_and_labels(tmp_path):
    with pytest.raises(ValueError, match="Expected images of shape"):
        sl.export_image_folder(np.zeros((2, 784), np.uint8), [1, 2], tmp_path)
    with pytest.raises(ValueError, match="2 images but y has 3"):
        sl.export_image_folder(np.zeros((2, 28, 28), np.uint8), [1, 2, 3], tmp_path)
    with pytest.raises(ValueError, match="digits 0-9"):
        sl.export_image_folder(np.zeros((1, 28, 28), np.uint8), [12], tmp_path)
    assert list(tmp_path.iterdir()) == []
