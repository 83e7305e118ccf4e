"""Real handwriting and hostile image files: what `preprocess_digit` and the blog's file loader
do with photos of every size and light, strokes of every width, EXIF turns, pictures with no
digit, and damaged, odd or oversized files. Every outcome is a digit or an ImageFileError that
names the file; never another exception. (Data files and model files: test_hostile_files.py.)"""

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import siamese_lib as sl
from siamese_lib import preprocessing, variations
from siamese_lib.preprocessing import preprocess_digit

SAMPLES = sl.places.shipped("samples")


def encoded(image: Image.Image, fmt: str = "PNG", **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def nearest_digit(images, x_train, y_train):
    """1-NN labels of float images (N, 28, 28[, 1]) against the scaled training images."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    return sl.knn_classify(images, references=x_train / 255.0, reference_labels=y_train)


def read_right(make, mnist, n=60):
    """The share of the first n test digits that `make` (digit -> picture) turns into a digit
    that 1-NN on the raw training pixels reads right (1-NN on MNIST itself: 0.98 here)."""
    (x_train, y_train), (x_test, y_test) = mnist
    processed = np.stack([preprocess_digit(make(x_test[k])) for k in range(n)])
    return float(np.mean(nearest_digit(processed, x_train, y_train) == y_test[:n]))


# ---------------------------------------------------------------- photos at every size and light

@pytest.mark.parametrize("side", [64, 96, 127, 128, 300])
def test_unevenly_lit_photos_at_every_size(mnist, side):
    """The ground is removed at every size (before, images under 128 px kept the dark side of
    the paper as a bright wedge of "ink": 1-NN read 0.43 of the 96 px photos right)."""
    rng = np.random.default_rng(side)
    assert read_right(lambda d: variations.photo(d, rng, side=side), mnist) >= 0.9


@pytest.mark.parametrize("case, settings", [
    ("paper on a darker desk", {"desk": 0.3, "digit_share": 0.6}),
    ("dim photo", {"paper": 0.35, "noise": 0.01}),
    ("faint pencil", {"ink": 0.15, "light": (0.9, 1.0), "noise": 0.01}),
    ("light from the other side", {"light": (1.0, 0.5)}),
])
def test_hard_light_and_polarity(mnist, case, settings):
    rng = np.random.default_rng(7)
    assert read_right(lambda d: variations.photo(d, rng, **settings), mnist) >= 0.9, case


def test_polarity_is_read_from_the_extremes_not_the_border(mnist):
    _, (x_test, _) = mnist
    assert not preprocessing.ink_is_dark(x_test[0] / 255.0)  # MNIST: light ink on black
    assert preprocessing.ink_is_dark(1.0 - x_test[0] / 255.0)
    desk = variations.photo(x_test[0], np.random.default_rng(0), desk=0.3, digit_share=0.6)
    gray = np.asarray(Image.open(io.BytesIO(desk)).convert("L"), np.float32) / 255
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    assert np.median(border) < 0.5  # a rule on the border would call this light ink
    assert preprocessing.ink_is_dark(gray)


# ---------------------------------------------------------------- stroke width

def test_strokes_are_evened_toward_mnist_and_mnist_is_left_alone(mnist):
    (x_train, y_train), (x_test, _) = mnist
    widths = preprocessing.mnist_stroke_widths(x_train[:2000])
    low, _, high = preprocessing.MNIST_STROKE
    inside = (widths >= low) & (widths <= high)
    assert 0.85 <= inside.mean() <= 0.95  # the band holds MNIST's middle 90% (of training digits)
    k = int(np.flatnonzero(inside)[0])
    np.testing.assert_array_equal(preprocess_digit(x_test[k]),
                                  preprocess_digit(x_test[k], even_strokes=False))
    thick = [variations.thicker(x_test[k], 4) for k in range(60)]
    evened = np.stack([preprocess_digit(d) for d in thick])
    plain = np.stack([preprocess_digit(d, even_strokes=False) for d in thick])
    measured = preprocessing.mnist_stroke_widths((evened[..., 0] * 255).astype(np.uint8))
    assert np.median(measured) < high < np.median(
        preprocessing.mnist_stroke_widths((plain[..., 0] * 255).astype(np.uint8)))


@pytest.mark.parametrize("height, least", [(90, 0.9), (45, 0.85)])
def test_drawings_with_a_fixed_pen_at_any_size(mnist, height, least):
    """A canvas drawing (16 px round pen, anti-aliased) uploaded as a picture."""
    assert read_right(lambda d: variations.drawing(d, height=height), mnist) >= least


# ---------------------------------------------------------------- EXIF orientation

def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(mnist):
    _, (x_test, _) = mnist
    upright = Image.open(io.BytesIO(variations.photo(x_test[0], np.random.default_rng(1))))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the sensor stored it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    turned = preprocess_digit(encoded(stored, "JPEG", exif=exif, quality=95))
    straight = preprocess_digit(encoded(upright, "JPEG", quality=95))
    unturned = preprocess_digit(encoded(stored, "JPEG", quality=95))
    assert np.corrcoef(turned.ravel(), straight.ravel())[0, 1] > 0.95
    assert np.corrcoef(unturned.ravel(), straight.ravel())[0, 1] < 0.5


# ---------------------------------------------------------------- pictures with no digit

def no_digit_pictures():
    rng = np.random.default_rng(0)
    specks = np.ones((224, 224))
    for row, col in rng.integers(10, 214, (5, 2)):
        specks[row - 2 : row + 2, col - 2 : col + 2] = 0
    return {
        "uniform noise": rng.random((200, 200)),
        "grey noise": 0.5 + rng.normal(0, 0.1, (200, 200)),
        "a gradient": np.linspace(0, 1, 200)[None, :].repeat(200, 0),
        "a vignette": 1 - np.hypot(*(np.indices((200, 200)) - 100)) / 150,
        "white": np.ones((224, 224)),
        "black": np.zeros((224, 224)),
        "a photo of blank paper": np.linspace(0.55, 1, 300)[None, :]
        * np.linspace(0.8, 1, 300)[:, None] + rng.normal(0, 0.03, (300, 300)),
        "five specks": specks,
    }


@pytest.mark.parametrize("name", list(no_digit_pictures()))
def test_pictures_with_no_digit_are_refused_with_a_message(name):
    picture = no_digit_pictures()[name]
    data = encoded(Image.fromarray((np.clip(picture, 0, 1) * 255).astype(np.uint8)))
    with pytest.raises(sl.ImageFileError, match=rf"^{name}\.png: no digit found"):
        preprocess_digit(data, name=f"{name}.png")


def test_a_faint_pencil_digit_is_not_called_blank(mnist):
    _, (x_test, _) = mnist
    faint = variations.photo(x_test[1], np.random.default_rng(3), ink=0.1, light=(0.95, 1.0),
                             noise=0.005)
    assert preprocess_digit(faint).max() == 1.0


# ---------------------------------------------------------------- hostile and odd files

def spider_file() -> bytes:
    return encoded(Image.new("F", (40, 40), 1.0), "SPIDER")


def nan_tiff() -> bytes:
    pixels = np.ones((40, 40), np.float32)
    pixels[5, 5] = np.nan
    return encoded(Image.fromarray(pixels, mode="F"), "TIFF")


@pytest.mark.parametrize("make, message", [
    (spider_file, "not an image that can be read here. Use a picture in one of these formats"),
    (lambda: encoded(Image.new("RGB", (40, 40)), "DDS")[:-200], "not an image that can be read"),
    (lambda: b"BLP2" + bytes(200), "not an image that can be read"),
    (lambda: encoded(Image.new("L", (40, 40)), "PCX"), "not an image that can be read"),
    (nan_tiff, "has pixels that are not numbers"),
    (lambda: encoded(Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 300),
                                                                       np.uint8)))[:3000],
     "could not be decoded"),  # a PNG cut short
    (lambda: b"", "the file is empty"),
])
def test_odd_and_damaged_files_get_an_image_file_error_naming_them(make, message):
    with pytest.raises(sl.ImageFileError, match=message) as raised:
        preprocess_digit(make(), name="upload.bin")
    assert str(raised.value).startswith("upload.bin: ")


def test_arrays_with_nan_or_wrong_values_are_refused_by_name():
    image = np.ones((28, 28), np.float32)
    image[3, 3] = np.nan
    with pytest.raises(sl.ImageFileError, match="the array: has pixels that are not numbers"):
        preprocess_digit(image)
    with pytest.raises(sl.ImageFileError, match="from -5 to 1"):
        preprocess_digit(np.full((28, 28), -5.0).clip(-5, 1) + np.eye(28) * 6)
    with pytest.raises(sl.ImageFileError, match="holds <U1 values"):
        preprocess_digit(np.full((28, 28), "a"))


def test_an_unreadable_file_says_cannot_read_not_damaged(tmp_path, monkeypatch):
    path = tmp_path / "digit.png"
    path.write_bytes((SAMPLES / "photo_3.jpg").read_bytes())
    real_open = type(path).open

    def denied(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(type(path), "open", denied)  # as chmod 000 would, even for root
    with pytest.raises(sl.ImageFileError, match=f"Cannot read {path}: permission denied"):
        preprocess_digit(path)
    with pytest.raises(sl.ImageFileError, match=f"Cannot read {path}: permission denied"):
        sl.load_digit_image(path)


def test_a_file_too_large_for_a_picture_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(preprocessing, "MAX_FILE_BYTES", 10_000)
    path = tmp_path / "big.png"
    path.write_bytes((SAMPLES / "photo_3.jpg").read_bytes())  # 25,859 bytes
    with pytest.raises(sl.ImageFileError, match="the file is larger than 0 MB"):
        preprocess_digit(path)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kilobytes on Linux only")
def test_a_small_file_of_a_huge_image_is_shrunk_before_any_float(tmp_path):
    """A 6300 x 6300 RGBA PNG is about 160 KB; as float32 RGBA it would be 635 MB (and was
    1.7 GB at the peak). Measured in a fresh process: the peak memory preprocessing adds."""
    path = tmp_path / "huge.png"
    big = Image.new("RGBA", (6300, 6300), (255, 255, 255, 255))
    big.paste((0, 0, 0, 255), (2000, 1000, 4300, 5300))  # a thick "1"
    big.save(path)
    assert path.stat().st_size < 300_000
    script = (
        "import resource, sys\n"
        "from siamese_lib.preprocessing import preprocess_digit\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "preprocess_digit(sys.argv[1])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n")
    added_kb = int(subprocess.run([sys.executable, "-c", script, str(path)], check=True,
                                  capture_output=True, text=True).stdout.split()[-1])
    assert added_kb < 400_000  # the decoded RGBA image itself is 159 MB; no float copy of it


def test_the_blog_loader_refuses_huge_and_odd_files_by_name(tmp_path):
    huge = tmp_path / "00000_1.png"
    huge.write_bytes(encoded(Image.new("L", (8000, 6000), 255)))
    with pytest.raises(sl.ImageFileError, match="00000_1.png: the image is too large"):
        sl.load_digit_image(huge)
    spider = tmp_path / "00001_2.png"
    spider.write_bytes(spider_file())
    with pytest.raises(sl.ImageFileError, match="00001_2.png: not an image"):
        sl.load_digit_image(spider)


def mutations(seed: int, count: int):
    """Seeded damage to small valid files of every accepted format: flipped bytes, cuts,
    repeated chunks."""
    rng = np.random.default_rng(seed)
    digit = Image.fromarray(np.asarray(Image.open(SAMPLES / "chalk_5.png").convert("L"))[::4, ::4])
    originals = [encoded(digit, fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")]
    for _ in range(count):
        data = bytearray(originals[rng.integers(len(originals))])
        kind = rng.integers(3)
        if kind == 0:
            for at in rng.integers(len(data), size=rng.integers(1, 8)):
                data[at] = rng.integers(256)
        elif kind == 1:
            data = data[: rng.integers(len(data))]
        else:
            at = rng.integers(len(data))
            data = data[:at] + data[at : at + 64] * 4 + data[at:]
        yield bytes(data)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow's, about a fuzzed EXIF block
def test_fuzzed_image_files_give_a_digit_or_an_image_file_error():
    outcomes = {"digit": 0, "error": 0}
    for data in mutations(seed=11, count=300):
        try:
            image = preprocess_digit(data, name="fuzz.png")
        except sl.ImageFileError as error:
            assert str(error).startswith("fuzz.png: ")
            outcomes["error"] += 1
        else:
            assert image.shape == (28, 28, 1) and np.isfinite(image).all()
            outcomes["digit"] += 1
    assert outcomes["digit"] > 20 and outcomes["error"] > 20  # both kinds were exercised
