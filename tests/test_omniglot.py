"""Omniglot: the shipped copy's known facts, the authors' baseline, and bad files."""

import shutil
import zipfile

import numpy as np
import pytest

import siamese_lib as sl
from siamese_lib import omniglot
from siamese_lib.one_shot import one_shot_accuracy, pixel_distances


@pytest.fixture(scope="module")
def background():
    return omniglot.load_background(size=28)


def test_background_counts(background):
    """8 alphabets, 242 characters, 20 drawers each: 4,840 images, Greek and Latin once."""
    assert background.images.shape == (4840, 28, 28) and background.images.dtype == np.uint8
    assert len(background.character_names) == 242
    assert background.alphabet_names == ["Balinese", "Early_Aramaic", "Greek",
                                         "Japanese_(katakana)", "Korean", "Latin", "Sanskrit",
                                         "Tagalog"]
    assert np.bincount(background.alphabets).tolist() == [480, 440, 480, 940, 800, 520, 840,
                                                          340]
    assert np.bincount(background.characters).tolist() == [20] * 242
    assert np.bincount(background.drawers).tolist() == [242] * 20
    assert background.character_names[0] == "Balinese/character01"


def test_background_ink_is_bright_on_dark(background):
    """Like MNIST: the ground is 0 and the strokes bright; every image holds some ink."""
    assert np.median(background.images) == 0
    assert background.images.reshape(4840, -1).max(axis=1).min() > 128


def test_one_shot_runs_shape_and_answers():
    runs = omniglot.load_one_shot_runs(size=28)
    assert [run.name for run in runs] == [f"run{r:02d}" for r in range(1, 21)]
    for run in runs:
        assert run.train_images.shape == run.test_images.shape == (20, 28, 28)
        assert sorted(run.answers.tolist()) == list(range(20))  # a permutation
    assert runs[0].answers[:4].tolist() == [7, 8, 1, 18]  # item01 -> class08, ...


def test_modified_hausdorff_reproduces_the_authors_first_runs():
    """The authors' demo gives 38.8% error over all 20 runs; runs 1-3 score 0.55, 0.65, 0.6."""
    runs = omniglot.load_one_shot_runs(size=105)[:3]
    _, per_run = one_shot_accuracy(runs, omniglot.hausdorff_distances)
    assert per_run.tolist() == pytest.approx([0.55, 0.65, 0.6])


def test_modified_hausdorff_distance_by_hand():
    a = np.array([[0.0, 0.0], [0.0, 2.0]])
    b = np.array([[0.0, 0.0]])
    # A -> B: mean(0, 2) = 1; B -> A: 0. The larger: 1.
    assert omniglot.modified_hausdorff_distance(a, b) == pytest.approx(1.0)
    assert omniglot.modified_hausdorff_distance(b, a) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no ink"):
        omniglot.ink_points(np.zeros((5, 5), np.uint8))


def test_pixels_score_above_chance():
    accuracy, _ = one_shot_accuracy(omniglot.load_one_shot_runs(size=28), pixel_distances)
    assert 0.15 < accuracy < 0.30  # chance is 0.05


def _copy(tmp_path):
    folder = tmp_path / "omniglot"
    shutil.copytree(omniglot.SHIPPED_OMNIGLOT_DIR, folder)
    return folder


def test_missing_folder_and_file(tmp_path):
    with pytest.raises(sl.DataFileError, match="Omniglot folder not found"):
        omniglot.load_background(tmp_path / "nowhere")
    folder = _copy(tmp_path)
    (folder / "all_runs.zip").unlink()
    (folder / "SHA256SUMS").unlink()
    with pytest.raises(sl.DataFileError, match=r"Missing Omniglot file: .*all_runs\.zip"):
        omniglot.load_one_shot_runs(folder)


def test_damaged_zip_fails_its_checksum(tmp_path):
    folder = _copy(tmp_path)
    zip_file = folder / "images_background_small1.zip"
    zip_file.write_bytes(zip_file.read_bytes()[:1000])
    with pytest.raises(sl.DataFileError, match="Checksum mismatch.*small1.zip"):
        omniglot.load_background(folder)
    (folder / "SHA256SUMS").unlink()  # unchecked: the zip itself is refused
    with pytest.raises(sl.DataFileError, match="not a readable zip file"):
        omniglot.load_background(folder)


def test_image_that_is_not_a_png(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    with zipfile.ZipFile(folder / "all_runs.zip", "w") as archive:
        archive.writestr("run01/class_labels.txt", "run01/test/item01.png run01/training/a.png\n")
        archive.writestr("run01/test/item01.png", b"not a picture")
    with pytest.raises(sl.DataFileError, match=r"item01\.png cannot be read as an image"):
        omniglot.load_one_shot_runs(folder)


@pytest.mark.parametrize("size", [0, 106, 2.5, "28", True])
def test_bad_size(size):
    with pytest.raises(ValueError, match="size must be"):
        omniglot.load_one_shot_runs(size=size)


def test_checksum_file_problems(tmp_path):
    folder = _copy(tmp_path)
    sums = folder / "SHA256SUMS"
    lines = sums.read_text().splitlines()
    sums.write_text("\n".join(f"{h} *{name}" for h, name in (line.split() for line in lines)))
    assert len(omniglot.load_one_shot_runs(folder)) == 20  # sha256sum -b's "*name" is read
    sums.write_text("\n".join(line for line in lines if "all_runs" not in line) + "\n")
    with pytest.raises(sl.DataFileError, match="has no line for all_runs.zip"):
        omniglot.load_one_shot_runs(folder)
    sums.write_text("not-a-checksum-line-at-all-with three fields\n")
    with pytest.raises(sl.DataFileError, match="not '<sha256>  <file>'"):
        omniglot.load_one_shot_runs(folder)


def test_shipped_copy_needs_its_checksums(tmp_path, monkeypatch):
    folder = _copy(tmp_path)
    (folder / "SHA256SUMS").unlink()
    monkeypatch.setattr(omniglot, "SHIPPED_OMNIGLOT_DIR", folder)
    with pytest.raises(sl.DataFileError, match="Missing checksum file"):
        omniglot.load_background()


def test_run_labels_that_name_no_image(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    with zipfile.ZipFile(folder / "all_runs.zip", "w") as archive:
        archive.writestr("run01/class_labels.txt", "run01/test/item01.png\n")
    with pytest.raises(sl.DataFileError, match=r"class_labels\.txt has the line"):
        omniglot.load_one_shot_runs(folder)


def test_background_member_with_an_odd_name(tmp_path):
    folder = tmp_path / "background"
    folder.mkdir()
    png = (omniglot.SHIPPED_OMNIGLOT_DIR / "images_background_small1.zip")
    with zipfile.ZipFile(png) as source:
        first = next(n for n in source.namelist() if n.endswith(".png"))
        picture = source.read(first)
    for name in omniglot.BACKGROUND_ZIPS:
        with zipfile.ZipFile(folder / name, "w") as archive:
            archive.writestr("set/Greek/character01/photo.png", picture)
    with pytest.raises(sl.DataFileError, match=r"photo\.png, which is not"):
        omniglot.load_background(folder)
