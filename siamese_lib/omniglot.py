"""Omniglot: handwritten characters of 50 alphabets, the benchmark made for one-shot learning.

The project ships the authors' two "minimal" background sets and the 20 official one-shot runs
in `siamese_lib/data/omniglot/` (MIT licence, see its README), read straight from their zip
files.

    background = load_background(size=28)          # 4,840 images of 242 characters, 8 alphabets
    runs = load_one_shot_runs(size=28)             # the 20 official 20-way one-shot runs
    accuracy, per_run = one_shot_accuracy(runs, pixel_distances)   # from siamese_lib.one_shot

Images come as MNIST does: uint8 (N, size, size), ink bright (255) on a dark ground (0).
The protocol (Lake et al. 2015; the authors' `demo_classification.py`): train on background
images only; in each run, give each of the 20 test images the label of its most similar
training image (one per character, all from one alphabet); report the mean accuracy over the
20 runs (chance: 5%). Explained in notebooks/07_one_shot.ipynb.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np
from PIL import Image

from .checksums import check_sum, read_sums
from .errors import DataFileError
from .one_shot import OneShotRun
from .places import restore_hint, shipped
from .safe_files import check_zip_members, open_binary

SHIPPED_OMNIGLOT_DIR = shipped("omniglot")
BACKGROUND_ZIPS = ("images_background_small1.zip", "images_background_small2.zip")
RUNS_ZIP = "all_runs.zip"
ORIGINAL_SIZE = 105
RESTORE_COMMAND = restore_hint("omniglot")
RESTORE = f"restore the shipped copy with {RESTORE_COMMAND}"
# Limits checked before a zip file is unpacked (the shipped ones unpack to under 1 MB; all of
# Omniglot, 32,460 images, to about 40 MB): raise them for a bigger set of your own.
OMNIGLOT_ZIP_MAX_BYTES = 256 * 1024**2
OMNIGLOT_ZIP_MAX_MEMBERS = 100_000


@dataclass
class OmniglotSet:
    """Omniglot images with who drew what. All arrays are (N,) except `images`.

    images: uint8 (N, size, size), ink bright on dark. characters: int64 ids 0..C-1, one per
    character (`character_names[c]`, e.g. "Greek/character01"). alphabets: int64 ids into
    `alphabet_names`. drawers: int64 0..19, the person who drew the image.
    """

    images: np.ndarray
    characters: np.ndarray
    alphabets: np.ndarray
    drawers: np.ndarray
    character_names: list[str]
    alphabet_names: list[str]

    def subset(self, keep: np.ndarray) -> OmniglotSet:
        """The images where the boolean mask `keep` (N,) is True; names are kept as they are."""
        return OmniglotSet(self.images[keep], self.characters[keep], self.alphabets[keep],
                           self.drawers[keep], self.character_names, self.alphabet_names)


def load_background(path: str | os.PathLike | None = None, *, size: int = 28) -> OmniglotSet:
    """The two minimal background sets, merged: 8 alphabets, 242 characters, 4,840 images.

    Greek and Latin are in both zip files, byte for byte; they are kept once.

    Args:
        path: a folder holding `images_background_small1.zip` and `..._small2.zip` (and
            optionally SHA256SUMS, then checked); None reads the shipped copy, always checked.
        size: side of the square images returned (105 keeps the originals); the shrinking
            averages pixels (Pillow's BOX filter), so thin strokes stay grey, not lost.

    Raises:
        DataFileError: a file is missing, unreadable, damaged, fails its checksum, holds an
            image that is not 105 x 105, or would unpack to more than `OMNIGLOT_ZIP_MAX_BYTES`
            (checked before unpacking).
    """
    _check_size(size)
    folder = _folder(path)
    found: dict[tuple[str, str], list[tuple[int, np.ndarray]]] = {}
    for zip_name in BACKGROUND_ZIPS:
        with _open_checked_zip(folder, zip_name, path is None) as archive:
            members = _read_pngs(archive, folder / zip_name, size)
        for member, image in members:
            # images_background_small1/Greek/character01/0394_01.png: drawer 01
            parts = member.split("/")
            name = re.fullmatch(r"\d+_(\d+)\.png", parts[-1])
            if len(parts) != 4 or name is None:
                raise DataFileError(f"{folder / zip_name} holds {member}, which is not "
                                    "<set>/<alphabet>/<character>/<image>_<drawer>.png: "
                                    f"{RESTORE}.")
            drawer = int(name.group(1)) - 1
            images = found.setdefault((parts[1], parts[2]), [])
            if all(d != drawer for d, _ in images):  # Greek and Latin come twice
                images.append((drawer, image))
    if not found:
        raise DataFileError(f"No images found in {', '.join(BACKGROUND_ZIPS)} in {folder}: "
                            f"{RESTORE}.")
    keys = sorted(found)
    alphabet_names = sorted({alphabet for alphabet, _ in keys})
    rows = [(c, alphabet_names.index(key[0]), drawer, image) for c, key in enumerate(keys)
            for drawer, image in sorted(found[key], key=itemgetter(0))]
    return OmniglotSet(
        images=np.stack([row[3] for row in rows]),
        characters=np.array([row[0] for row in rows], dtype=np.int64),
        alphabets=np.array([row[1] for row in rows], dtype=np.int64),
        drawers=np.array([row[2] for row in rows], dtype=np.int64),
        character_names=[f"{alphabet}/{character}" for alphabet, character in keys],
        alphabet_names=alphabet_names,
    )


def load_one_shot_runs(path: str | os.PathLike | None = None, *,
                       size: int = 28) -> list[OneShotRun]:
    """The 20 official one-shot runs (`all_runs.zip`), in order run01..run20.

    Args:
        path, size: as for `load_background`.
    """
    _check_size(size)
    folder = _folder(path)
    with _open_checked_zip(folder, RUNS_ZIP, path is None) as archive:
        images = dict(_read_pngs(archive, folder / RUNS_ZIP, size))
        label_files = sorted(n for n in archive.namelist() if n.endswith("/class_labels.txt"))
        labels = {name: _read_member(archive, folder / RUNS_ZIP, name).decode("utf-8", "replace")
                  for name in label_files}  # undecodable bytes name no image: refused in _run
    runs = [_run(label_file, text, images, folder / RUNS_ZIP)
            for label_file, text in labels.items()]
    if len(runs) != 20:
        raise DataFileError(f"{folder / RUNS_ZIP} holds {len(runs)} runs, not 20: {RESTORE}.")
    return runs


def _run(label_file: str, text: str, images: dict[str, np.ndarray], zip_file: Path) -> OneShotRun:
    """One run from its class_labels.txt ("test.png training.png" per line) and the images."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    for line in lines:
        if len(line) != 2 or not all(name in images for name in line):
            raise DataFileError(f"{zip_file}: {label_file} has the line {' '.join(line)!r}, "
                                "which does not name a test and a training image of the zip: "
                                f"{RESTORE}.")
    answer_of = dict(lines)
    tests, trains = sorted(answer_of), sorted(answer_of.values())
    return OneShotRun(
        name=label_file.split("/")[0],
        train_images=np.stack([images[name] for name in trains]),
        test_images=np.stack([images[name] for name in tests]),
        answers=np.array([trains.index(answer_of[name]) for name in tests], dtype=np.int64),
    )


def ink_points(image: np.ndarray) -> np.ndarray:
    """The inked pixels of one image (H, W), ink bright, as centred (row, col) points (n, 2).

    A pixel is ink when it is brighter than half-way (the authors read their black-and-white
    PNGs as booleans); the points are moved so that their mean is (0, 0).
    """
    rows, cols = np.nonzero(np.asarray(image) > 127)
    points = np.stack([rows, cols], axis=1).astype(np.float64)
    if len(points) == 0:
        raise ValueError("The image holds no ink: nothing to compare.")
    return points - points.mean(axis=0)


def modified_hausdorff_distance(points_a: np.ndarray, points_b: np.ndarray) -> float:
    """Modified Hausdorff Distance (Dubuisson & Jain 1994) between two point sets (n, 2), (m, 2).

    The mean distance from each point of A to its nearest point of B, the same from B to A,
    and the larger of the two.
    """
    squared = ((points_a * points_a).sum(1)[:, None] + (points_b * points_b).sum(1)[None, :]
               - 2 * points_a @ points_b.T)  # (n, m) squared distances, one matrix product
    squared = np.maximum(squared, 0.0)
    return float(max(np.sqrt(squared.min(axis=1)).mean(), np.sqrt(squared.min(axis=0)).mean()))


def hausdorff_distances(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Modified Hausdorff Distances between the ink of images: (M, H, W) x (K, H, W) -> (M, K).

    Use the original 105x105 images (`size=105`) to reproduce the authors' baseline.
    """
    points_a = [ink_points(image) for image in first]
    points_b = [ink_points(image) for image in second]
    return np.array([[modified_hausdorff_distance(a, b) for b in points_b] for a in points_a])


def _folder(path: str | os.PathLike | None) -> Path:
    folder = SHIPPED_OMNIGLOT_DIR if path is None else Path(path)
    if not folder.is_dir():
        raise DataFileError(f"Omniglot folder not found: {folder}. Pass path= a folder "
                            f"holding {', '.join(BACKGROUND_ZIPS)} and {RUNS_ZIP}, or {RESTORE}.")
    return folder


def _open_checked_zip(folder: Path, zip_name: str, required_sums: bool) -> zipfile.ZipFile:
    """The zip file, read once, checked against SHA256SUMS (always for the shipped copy) and
    measured (`OMNIGLOT_ZIP_MAX_BYTES`, `OMNIGLOT_ZIP_MAX_MEMBERS`) before anything in it is
    unpacked."""
    file = folder / zip_name
    sums = read_sums(folder, required=required_sums, restore=RESTORE_COMMAND)
    if not file.is_file():
        raise DataFileError(f"Missing Omniglot file: {file}. Copy it there, or {RESTORE}.")
    with open_binary(file, DataFileError) as stream:
        content = stream.read()
    if sums is not None:
        check_sum(file, hashlib.sha256(content).hexdigest(), sums, of="the file",
                  restore=RESTORE_COMMAND)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as error:
        raise DataFileError(f"{file} is not a readable zip file ({error}): {RESTORE}.") from error
    check_zip_members(archive, file, max_bytes=OMNIGLOT_ZIP_MAX_BYTES,
                      max_members=OMNIGLOT_ZIP_MAX_MEMBERS,
                      limit_name="siamese_lib.omniglot.OMNIGLOT_ZIP_MAX_BYTES",
                      error=DataFileError, fix=f"Replace it, or {RESTORE}.")
    return archive


def _read_member(archive: zipfile.ZipFile, file: Path, name: str) -> bytes:
    """The bytes of member `name` of the zip `file` (never more than its declared size)."""
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise DataFileError(f"{file}: {name} cannot be unpacked ({error}): {RESTORE}.") from error


def _check_size(size: int) -> None:
    if (not isinstance(size, int | np.integer) or isinstance(size, bool)
            or not 1 <= size <= ORIGINAL_SIZE):
        raise ValueError(f"size must be a whole number of pixels from 1 to {ORIGINAL_SIZE}, "
                         f"got {size!r}.")


def _read_pngs(archive: zipfile.ZipFile, file: Path,
               size: int) -> list[tuple[str, np.ndarray]]:
    """(member name, uint8 (size, size) ink-bright image) for every PNG in the zip `file`.

    Each PNG must be Omniglot's 105 x 105 pixels; its size is read from its header before any
    pixel is decoded, so a PNG that would unpack to gigapixels is refused unread."""
    out = []
    for name in sorted(archive.namelist()):
        if not name.endswith(".png"):
            continue
        content, original = _read_member(archive, file, name), (ORIGINAL_SIZE, ORIGINAL_SIZE)
        try:
            with Image.open(io.BytesIO(content), formats=("PNG",)) as picture:
                found = picture.size  # from the header: nothing decoded yet
                if found == original:
                    ink = 255 - np.asarray(picture.convert("L"), dtype=np.uint8)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise DataFileError(f"{file}: {name} cannot be read as an image ({error}): "
                                f"{RESTORE}.") from error
        if found != original:
            raise DataFileError(f"{file}: {name} is {found[0]}x{found[1]} pixels, not "
                                f"Omniglot's {ORIGINAL_SIZE}x{ORIGINAL_SIZE}: {RESTORE}.")
        if size != ink.shape[0]:
            ink = np.asarray(Image.fromarray(ink).resize((size, size), Image.Resampling.BOX))
        out.append((name, ink))
    return out
