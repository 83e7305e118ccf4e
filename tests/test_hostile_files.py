"""Hostile files and bad input: every case gets a clear error naming the file or argument.

Covers the MNIST IDX reader (gzip bombs, overflowing or empty headers, labels above 9,
trailing and missing bytes, a seeded fuzz of headers), SHA256SUMS parsing (comments, upper
case, `*name`, sums of the .gz files, malformed lines), zip bombs (.keras, Omniglot), bounded
QMNIST rows, unreadable files, atomic saves (fsync, stale temporary files), model input
values (`to_model_input`), label/distance counts in the loss and metric, and the argument
checks of make_pair_indices, train, evaluate_pairs and roc_curve.
"""

import errno
import gzip
import hashlib
import os
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import siamese_lib as sl
from siamese_lib import atomic, mnist, omniglot, persistence
from siamese_lib.mnist import IDX_NAMES
from siamese_lib.writers import TEST_LABELS

# ----------------------------------------------------------------------------- helpers


def _idx(array: np.ndarray, *, dims: tuple[int, ...] | None = None) -> bytes:
    """The IDX bytes of a uint8 array; `dims` replaces the header's dimensions."""
    magic = mnist.LABELS_MAGIC if array.ndim == 1 else mnist.IMAGES_MAGIC
    shape = array.shape if dims is None else dims
    return np.array([magic, *shape], dtype=">u4").tobytes() + array.tobytes()


def _folder(folder: Path, *, gz: bool = True) -> dict[str, np.ndarray]:
    """A tiny valid MNIST-style folder (6 training, 4 test digits); returns its arrays."""
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train_labels": np.array([0, 1, 2, 3, 4, 9], np.uint8),
        "test_images": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "test_labels": np.array([5, 6, 7, 8], np.uint8),
    }
    folder.mkdir(exist_ok=True)
    for key, name in IDX_NAMES.items():
        sl.write_idx(folder / (name + (".gz" if gz else "")), arrays[key])
    return arrays


def _write_sums(folder: Path, lines: list[str]) -> None:
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def _content_sums(folder: Path) -> dict[str, str]:
    """sha256 of the decompressed content of each .gz IDX file, by IDX name."""
    return {name: hashlib.sha256(gzip.decompress((folder / f"{name}.gz").read_bytes())).hexdigest()
            for name in IDX_NAMES.values()}


def _sums_lines(folder: Path) -> list[str]:
    """SHA256SUMS lines, as `sha256sum` writes them, of the decompressed content of each IDX."""
    return [f"{digest}  {name}" for name, digest in _content_sums(folder).items()]


def _gzip_of_zeros(head: bytes, n_zeros: int) -> bytes:
    """gzip of `head` followed by `n_zeros` zero bytes, compressed a MiB at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip wrapper
    parts = [compressor.compress(head)]
    zeros = bytes(1 << 20)
    for start in range(0, n_zeros, len(zeros)):
        parts.append(compressor.compress(zeros[: min(len(zeros), n_zeros - start)]))
    return b"".join(parts) + compressor.flush()


def _peak_megabytes(call) -> tuple[float, BaseException | None]:
    """Peak Python memory (MB) while `call()` runs, and what it raised."""
    tracemalloc.start()
    raised = None
    try:
        call()
    except BaseException as error:  # noqa: BLE001 (returned to the test, which checks it)
        raised = error
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6, raised


@pytest.fixture
def make_unreadable(monkeypatch):
    """Make a file unreadable: chmod 000, or where that does not stop reading (root reads
    anything; Windows has no such mode), Path.open refusing it as the system would."""
    refused = []
    patch_open = os.name == "nt" or (hasattr(os, "geteuid") and os.geteuid() == 0)
    if patch_open:
        real_open = Path.open

        def open_unless_refused(self, *args, **kwargs):
            if Path(self) in refused:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", open_unless_refused)

    def make(path: Path) -> None:
        refused.append(path)
        if not patch_open:
            path.chmod(0)

    yield make
    for path in refused:
        if path.exists() and not patch_open:
            path.chmod(0o644)


# ------------------------------------------------------------------- MNIST: hostile IDX files


def test_gzip_bomb_whose_header_promises_too_much_is_refused_unread(tmp_path):
    """2^31 images: 1.7 TB promised; refused from the 16-byte header, nothing inflated."""
    _folder(tmp_path)
    header = np.array([mnist.IMAGES_MAGIC, 2**31, 28, 28], ">u4").tobytes()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(_gzip_of_zeros(header, 8 << 20))
    peak, raised = _peak_megabytes(lambda: sl.load_mnist(tmp_path))
    assert isinstance(raised, sl.DataFileError)
    assert "train-images-idx3-ubyte.gz: its header (2147483648, 28, 28) promises " \
           "1,683,627,180,032 bytes of images, more than IDX_MAX_BYTES" in str(raised)
    assert peak < 2.0  # MB: the 8 MB of zeros behind the header were never inflated


def test_gzip_bomb_that_inflates_past_its_header_stops_one_byte_after_it(tmp_path):
    """A 32 KB .gz of a 10-image header followed by 32 MB of zeros: read 7,841 bytes, not 32 MB."""
    _folder(tmp_path)
    header = np.array([mnist.IMAGES_MAGIC, 10, 28, 28], ">u4").tobytes()
    bomb = _gzip_of_zeros(header, 32 << 20)
    assert len(bomb) < 40_000
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(bomb)
    peak, raised = _peak_megabytes(lambda: sl.load_mnist(tmp_path))
    assert isinstance(raised, sl.DataFileError)
    assert "train-images-idx3-ubyte.gz holds more than the 7856 bytes (decompressed) its " \
           "header (10, 28, 28) needs: trailing data" in str(raised)
    assert peak < 4.0  # MB (the old reader inflated all 32 MB, then parsed a copy)


def test_gzip_file_too_small_for_its_header_is_refused_before_reading(tmp_path):
    """Deflate expands at most 1032 times: a 900 MB promise cannot fit in a few hundred bytes."""
    _folder(tmp_path)
    header = np.array([mnist.IMAGES_MAGIC, 1_100_000, 28, 28], ">u4").tobytes()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(header + bytes(100)))
    peak, raised = _peak_megabytes(lambda: sl.load_mnist(tmp_path))
    assert isinstance(raised, sl.DataFileError)
    assert "too few for the 862,400,016 its header (1100000, 28, 28) needs, even " \
           "gzip-compressed: the file is truncated" in str(raised)
    assert peak < 1.0


def test_header_dimensions_whose_product_overflows_int64(tmp_path):
    """2^22 x 2^21 x 2^21 = 2^64, which wraps to 0 in int64: the old check passed a bare header."""
    _folder(tmp_path, gz=False)
    dims = (2**22, 2**21, 2**21)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(_idx(np.zeros(0, np.uint8).reshape(0, 0, 0),
                                                            dims=dims))
    with pytest.raises(sl.DataFileError, match=r"train-images-idx3-ubyte: its header "
                       r"\(4194304, 2097152, 2097152\) promises 18,446,744,073,709,551,616 bytes"):
        sl.load_mnist(tmp_path)


def test_label_above_nine_is_named_with_its_position(tmp_path):
    _folder(tmp_path)
    sl.write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([5, 6, 10, 12], np.uint8))
    with pytest.raises(sl.DataFileError, match=r"t10k-labels-idx1-ubyte.gz: label 10 at "
                                               r"position 2 \(of 2 such\) is not a digit 0..9"):
        sl.load_mnist(tmp_path)


def test_images_of_zero_by_zero_pixels(tmp_path):
    _folder(tmp_path)
    sl.write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((6, 0, 0), np.uint8))
    with pytest.raises(sl.DataFileError, match=r"train-images-idx3-ubyte.gz: its header "
                                               r"\(6, 0, 0\) describes images of 0 pixels"):
        sl.load_mnist(tmp_path)


def test_a_file_of_no_labels(tmp_path):
    _folder(tmp_path, gz=False)
    sl.write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(0, np.uint8))
    with pytest.raises(sl.DataFileError, match=r"t10k-labels-idx1-ubyte: its header \(0,\) "
                                               "describes no items"):
        sl.load_mnist(tmp_path)


def test_trailing_bytes_plain_and_gz(tmp_path):
    arrays = _folder(tmp_path / "plain", gz=False)
    file = tmp_path / "plain" / "train-labels-idx1-ubyte"
    file.write_bytes(_idx(arrays["train_labels"]) + b"\x00")
    with pytest.raises(sl.DataFileError, match=r"train-labels-idx1-ubyte holds 15 bytes, but "
                                               r"its header \(6,\) needs 14: the file is longer"):
        sl.load_mnist(tmp_path / "plain")
    arrays = _folder(tmp_path / "gz")
    file = tmp_path / "gz" / "train-labels-idx1-ubyte.gz"
    file.write_bytes(gzip.compress(_idx(arrays["train_labels"]) + b"\x00"))
    with pytest.raises(sl.DataFileError, match=r"train-labels-idx1-ubyte.gz holds more than the "
                                               r"14 bytes \(decompressed\)"):
        sl.load_mnist(tmp_path / "gz")


def test_truncated_content_in_a_valid_gzip_file(tmp_path):
    arrays = _folder(tmp_path)
    content = _idx(arrays["test_images"])[:-1000]
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(content))
    with pytest.raises(sl.DataFileError, match=r"t10k-images-idx3-ubyte.gz holds 2152 bytes "
                       r"decompressed, but its header \(4, 28, 28\) needs 3152: .* truncated"):
        sl.load_mnist(tmp_path)


def test_header_cut_short(tmp_path):
    _folder(tmp_path, gz=False)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(_idx(np.zeros((6, 28, 28), np.uint8))[:9])
    with pytest.raises(sl.DataFileError, match=r"train-images-idx3-ubyte is too short to be an "
                                               r"IDX images file \(9 bytes\)"):
        sl.load_mnist(tmp_path)


def _mutated(rng: np.random.Generator, content: bytes) -> bytes:
    """One random change: a byte or a header dimension rewritten, a cut, or bytes appended."""
    data = bytearray(content)
    kind = rng.integers(5)
    if kind == 0:  # any byte of the header, or just after it
        data[rng.integers(min(len(data), 24))] = rng.integers(256)
    elif kind == 1:  # a dimension set to a random 32-bit value, small or huge
        dimension = rng.integers(1, 4 if content[3] == 3 else 2)
        value = int(rng.choice([0, 1, rng.integers(2**32), rng.integers(100)]))
        data[4 * dimension : 4 * dimension + 4] = value.to_bytes(4, "big")
    elif kind == 2:
        del data[rng.integers(len(data) + 1):]
    elif kind == 3:
        data += rng.integers(0, 256, rng.integers(1, 20), dtype=np.uint8).tobytes()
    else:  # a data byte
        data[rng.integers(len(data))] = rng.integers(256)
    return bytes(data)


@pytest.mark.parametrize("gz", [False, True])
def test_fuzzed_idx_headers_give_a_correct_array_or_a_data_file_error(tmp_path, gz):
    """200 seeded mutations of the label and image files: either load_mnist returns arrays
    that are exactly what the mutated file holds, or it raises DataFileError; nothing else."""
    arrays = _folder(tmp_path, gz=gz)
    rng = np.random.default_rng(11 + gz)
    outcomes = {"loaded": 0, "refused": 0}
    started = time.perf_counter()
    for trial in range(200):
        key = "train_labels" if trial % 2 else "train_images"
        file = tmp_path / (IDX_NAMES[key] + (".gz" if gz else ""))
        original = file.read_bytes()
        content = _mutated(rng, _idx(arrays[key]))
        stored = gzip.compress(content, mtime=0) if gz else content
        if gz and trial % 4 >= 2:  # half of the .gz trials damage the compressed bytes instead
            stored, content = _mutated(rng, original), None
        file.write_bytes(stored)
        try:
            (x_train, y_train), _ = sl.load_mnist(tmp_path)
        except sl.DataFileError:
            outcomes["refused"] += 1
            continue
        finally:
            file.write_bytes(original)
        outcomes["loaded"] += 1
        if content is None:
            content = gzip.decompress(stored)  # must not fail: the loader accepted it
        loaded = x_train if key == "train_images" else y_train
        assert _idx(loaded) == content and loaded.dtype == np.uint8
        assert y_train.max() <= 9 and len(x_train) == len(y_train)
    assert outcomes["loaded"] >= 20 and outcomes["refused"] >= 100, outcomes
    assert time.perf_counter() - started < 10  # about 0.3 s; generous for a loaded machine


# ------------------------------------------------------------------------------ SHA256SUMS


def test_sums_with_comments_blank_lines_upper_case_and_binary_marker(tmp_path):
    arrays = _folder(tmp_path)
    sums = _content_sums(tmp_path)
    names = list(sums)
    _write_sums(tmp_path, [
        "# sums of the decompressed IDX content",
        "   # an indented comment",
        "",
        f"{sums[names[0]].upper()}  {names[0]}",
        f"{sums[names[1]]} *{names[1]}",
        "   ",
        f"{sums[names[2]]}  ./{names[2]}",
        f"{sums[names[3]]}  {names[3]}\r",
    ])
    (x_train, y_train), (x_test, _) = sl.load_mnist(tmp_path)
    np.testing.assert_array_equal(x_train, arrays["train_images"])
    np.testing.assert_array_equal(y_train, arrays["train_labels"])
    np.testing.assert_array_equal(x_test, arrays["test_images"])


def test_sums_of_the_gz_files_instead_of_their_content_are_explained(tmp_path):
    _folder(tmp_path)
    _write_sums(tmp_path, [
        f"{hashlib.sha256((tmp_path / f'{name}.gz').read_bytes()).hexdigest()}  {name}"
        for name in IDX_NAMES.values()])
    with pytest.raises(sl.DataFileError, match=r"the line for train-images-idx3-ubyte is the "
                       r"sum of the .gz file itself, but SHA256SUMS must list sums of the "
                       r"decompressed content \(what `gunzip -c train-images-idx3-ubyte.gz \| "
                       r"sha256sum` prints\)"):
        sl.load_mnist(tmp_path)


def test_malformed_sums_line_is_numbered_and_the_form_explained(tmp_path):
    _folder(tmp_path)
    lines = _sums_lines(tmp_path)
    lines[2] = lines[2][:40] + "  " + "t10k-images-idx3-ubyte"  # a sum cut to 40 digits
    _write_sums(tmp_path, ["# comment", *lines])
    with pytest.raises(sl.DataFileError, match=r"SHA256SUMS, line 4: .* is not '<sha256>  "
                       r"<file>' \(64 hex digits, two spaces, the file name: the sum of the "
                       r"decompressed content, as `gunzip -c FILE \| sha256sum`"):
        sl.load_mnist(tmp_path)


def test_two_different_sums_for_one_file(tmp_path):
    _folder(tmp_path)
    lines = _sums_lines(tmp_path)
    _write_sums(tmp_path, [*lines, f"{'0' * 64}  train-labels-idx1-ubyte"])
    with pytest.raises(sl.DataFileError, match="SHA256SUMS, line 5: a second, different sum "
                                               "for train-labels-idx1-ubyte"):
        sl.load_mnist(tmp_path)


def test_sums_file_that_is_not_text(tmp_path):
    _folder(tmp_path)
    (tmp_path / "SHA256SUMS").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(sl.DataFileError, match="SHA256SUMS is not a text file"):
        sl.load_mnist(tmp_path)


# ---------------------------------------------------------------- zip bombs, QMNIST rows


def _zip_with_member(path: Path, size: int, members: int = 1) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for k in range(members):
            archive.writestr(f"member_{k}.bin", bytes(size))


def test_keras_zip_bomb_is_refused_before_keras_opens_it(tmp_path, monkeypatch):
    monkeypatch.setattr(persistence, "MODEL_FILE_MAX_BYTES", 1 << 20)
    _zip_with_member(tmp_path / "bomb.keras", 2 << 20)  # 2 MB of zeros: 2 KB on disk
    assert (tmp_path / "bomb.keras").stat().st_size < 10_000

    def keras_must_not_open(*args, **kwargs):
        raise AssertionError("keras.saving.load_model was called")

    monkeypatch.setattr(keras.saving, "load_model", keras_must_not_open)
    with pytest.raises(sl.ModelFileError, match=r"bomb.keras would unpack to 2,097,152 bytes, "
                       r"more than the 1,048,576 of siamese_lib.persistence.MODEL_FILE_MAX_BYTES"
                       r": it is damaged, or a zip bomb.*raise siamese_lib.persistence"):
        sl.load_model(tmp_path / "bomb.keras")


def test_keras_archive_with_too_many_members(tmp_path, monkeypatch):
    monkeypatch.setattr(persistence, "MODEL_FILE_MAX_MEMBERS", 5)
    _zip_with_member(tmp_path / "many.keras", 1, members=6)
    with pytest.raises(sl.ModelFileError, match=r"many.keras is a zip archive of 6 members, "
                                                r"more than the 5 allowed"):
        sl.load_model(tmp_path / "many.keras")


def test_omniglot_zip_bomb_and_oversized_png(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    folder.mkdir()
    monkeypatch.setattr(omniglot, "OMNIGLOT_ZIP_MAX_BYTES", 1 << 20)
    _zip_with_member(folder / "all_runs.zip", 2 << 20)
    with pytest.raises(sl.DataFileError, match=r"all_runs.zip would unpack to 2,097,152 bytes, "
                                               r"more than the 1,048,576 of siamese_lib.omniglot"):
        omniglot.load_one_shot_runs(folder)
    big = tmp_path / "big.png"
    Image.new("1", (4000, 4000)).save(big)  # 16 megapixels in a few KB
    with zipfile.ZipFile(folder / "all_runs.zip", "w") as archive:
        archive.write(big, "run01/test/item01.png")
    with pytest.raises(sl.DataFileError, match=r"item01.png is 4000x4000 pixels, not "
                                               r"Omniglot's 105x105"):
        omniglot.load_one_shot_runs(folder)


def test_qmnist_rows_are_read_with_a_bound(tmp_path):
    """One 'row' of 16 MB of zeros: refused after MAX_ROW_BYTES + 1, never inflated whole."""
    (tmp_path / TEST_LABELS).write_bytes(_gzip_of_zeros(b"", 16 << 20))
    peak, raised = _peak_megabytes(lambda: sl.load_test_writers(tmp_path))
    assert isinstance(raised, sl.DataFileError)
    assert f"{TEST_LABELS}, row 1: longer than 1000 bytes, not a QMNIST row" in str(raised)
    assert peak < 2.0


# --------------------------------------------------------------------------- unreadable files


def test_unreadable_model_file_is_not_called_damaged(tmp_path, make_unreadable):
    path = tmp_path / "locked.keras"
    _zip_with_member(path, 10)
    make_unreadable(path)
    with pytest.raises(sl.ModelFileError, match=r"Cannot read .*locked.keras: permission "
                                                r"denied; check its permissions"):
        sl.load_model(path)


def test_unreadable_mnist_and_sums_files(tmp_path, make_unreadable):
    _folder(tmp_path)
    make_unreadable(tmp_path / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(sl.DataFileError, match=r"Cannot read .*t10k-images-idx3-ubyte.gz: "
                                               r"permission denied; check its permissions"):
        sl.load_mnist(tmp_path)
    _write_sums(tmp_path, ["# empty"])
    make_unreadable(tmp_path / "SHA256SUMS")
    with pytest.raises(sl.DataFileError, match=r"Cannot read .*SHA256SUMS: permission denied"):
        sl.load_mnist(tmp_path)


def test_unreadable_qmnist_and_omniglot_files(tmp_path, make_unreadable):
    (tmp_path / TEST_LABELS).write_bytes(gzip.compress(b"7\t4\t1\n"))
    make_unreadable(tmp_path / TEST_LABELS)
    with pytest.raises(sl.DataFileError, match=rf"Cannot read .*{TEST_LABELS}: permission "
                                               r"denied; check its permissions"):
        sl.load_test_writers(tmp_path)
    _zip_with_member(tmp_path / "all_runs.zip", 10)
    make_unreadable(tmp_path / "all_runs.zip")
    with pytest.raises(sl.DataFileError, match=r"Cannot read .*all_runs.zip: permission denied"):
        omniglot.load_one_shot_runs(tmp_path)


# ---------------------------------------------------------------------------- atomic saves


def test_stale_temporary_file_is_removed_on_the_next_save_and_a_fresh_one_kept(tmp_path):
    target = tmp_path / "model.keras"
    stale = tmp_path / ".model.0123456789ab.tmp.keras"  # a save killed an hour ago
    fresh = tmp_path / ".model.ba9876543210.tmp.keras"  # another process, writing right now
    other_target = tmp_path / ".other.0123456789ab.tmp.keras"
    other_suffix = tmp_path / ".model.0123456789ab.tmp.png"
    an_hour_ago = time.time() - 3600
    for path in (stale, fresh, other_target, other_suffix):
        path.write_bytes(b"half a file")
        if path is not fresh:
            os.utime(path, (an_hour_ago, an_hour_ago))
    with atomic.atomic_path(target) as tmp:
        tmp.write_text("complete")
    assert target.read_text() == "complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [target.name, fresh.name, other_target.name, other_suffix.name])


def test_save_syncs_the_file_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def recording_fsync(descriptor):
        status = os.fstat(descriptor)
        synced.append(("folder" if os.path.stat.S_ISDIR(status.st_mode) else "file",
                       status.st_size, (tmp_path / "out.txt").exists()))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    with atomic.atomic_path(tmp_path / "out.txt") as tmp:
        tmp.write_text("12345")
    # The file: its 5 bytes synced while out.txt did not exist yet; then the folder, after.
    assert synced[0] == ("file", 5, False)
    assert [(kind, exists) for kind, _, exists in synced[1:]] == (
        [("folder", True)] if os.name == "posix" else [])


def test_failed_sync_leaves_the_target_untouched_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def failing_fsync(descriptor):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output error"):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


# ------------------------------------------------------------------------ model input values


def test_to_model_input_refuses_floats_in_0_to_255():
    images = np.full((2, 28, 28), 255.0, np.float32)
    with pytest.raises(ValueError, match=r"images holds float32 values from 255 to 255, outside "
                                         r"\[0, 1\].*divide them by 255 \(images / 255\) or pass "
                                         r"them as uint8"):
        sl.to_model_input(images)
    with pytest.raises(ValueError, match=r"images holds int64 values from 0 to 255"):
        sl.to_model_input(np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_to_model_input_refuses_nan_and_infinity(bad):
    images = np.zeros((1, 28, 28), np.float32)
    images[0, 3, 4] = bad
    with pytest.raises(ValueError, match="images holds NaN or infinite values"):
        sl.to_model_input(images)


def test_to_model_input_accepts_unit_range_bool_and_rounding():
    ones = np.ones((1, 28, 28), np.float32)
    assert sl.to_model_input(ones + 1e-7).max() == pytest.approx(1.0 + 1e-7)  # rounding: kept
    assert sl.to_model_input(-1e-7 * ones).min() == pytest.approx(-1e-7)
    with pytest.raises(ValueError, match="values from 1.001 to 1.001"):
        sl.to_model_input(ones + 1e-3)
    np.testing.assert_array_equal(sl.to_model_input(ones.astype(bool)), ones[..., None])
    np.testing.assert_array_equal(sl.to_model_input(ones.astype(np.int64)), ones[..., None])
    with pytest.raises(ValueError, match="images must hold numbers .* got dtype <U1"):
        sl.to_model_input(np.full((1, 28, 28), "a"))


# ------------------------------------------------------------- labels against distances


def test_loss_and_accuracy_refuse_one_label_for_eight_distances():
    """Broadcast, 1 label against 8 distances gave an accuracy of 1.0; now a ValueError."""
    one_label, distances = np.ones(1, np.float32), np.zeros((8, 1), np.float32)
    message = "y_true holds 1 labels but y_pred 8 distances: pass one label per pair"
    for function in (sl.contrastive_loss, sl.pair_accuracy, sl.ContrastiveLoss(),
                     sl.PairAccuracy()):
        with pytest.raises(ValueError, match=message):
            function(one_label, distances)
    # (batch,) labels against (batch, 1) distances, and the reverse, are still fine
    assert keras.ops.convert_to_numpy(sl.pair_accuracy(np.ones(8), distances)).tolist() == [1] * 8
    assert float(sl.ContrastiveLoss()(np.zeros((8, 1)), np.zeros(8))) == 1.0


def test_count_check_runs_inside_a_traced_function_with_unknown_batch_size():
    @tf.function(input_signature=[tf.TensorSpec([None]), tf.TensorSpec([None, 1])])
    def accuracy(y_true, d):
        return sl.pair_accuracy(y_true, d)

    np.testing.assert_array_equal(accuracy(tf.ones(8), tf.zeros((8, 1))).numpy(), np.ones(8))
    with pytest.raises(tf.errors.InvalidArgumentError, match="y_true and y_pred hold different "
                                                             "numbers of values"):
        accuracy(tf.ones(1), tf.zeros((8, 1)))


def test_count_check_runs_inside_keras_evaluate():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
    model.compile(loss=sl.ContrastiveLoss(), metrics=[sl.PairAccuracy()], jit_compile=False)

    def batches(n_labels):
        return tf.data.Dataset.from_generator(
            lambda: iter([(np.zeros((8, 2), np.float32), np.ones(n_labels, np.float32))]),
            output_signature=(tf.TensorSpec((None, 2)), tf.TensorSpec((None,))),
        ).apply(tf.data.experimental.assert_cardinality(1))  # one batch, of unknown size

    right = model.evaluate(batches(8), verbose=0, return_dict=True)
    assert right == {"loss": 0.0, "pair_accuracy": 1.0}  # d = 0 for same pairs: all right
    with pytest.raises(tf.errors.InvalidArgumentError, match="y_true and y_pred hold different"):
        model.evaluate(batches(1), verbose=0)


# ---------------------------------------------------------------------- argument checks


@pytest.mark.parametrize(("n_pairs", "message"), [
    (True, r"n_pairs must be a whole number \(an int\) of at least 0, got True \(bool\)"),
    (2.5, r"n_pairs must be a whole number .* got 2.5 \(float\)"),
    (-1, "n_pairs must be at least 0, got -1"),
])
def test_make_pair_indices_n_pairs(n_pairs, message):
    with pytest.raises(ValueError, match=message):
        sl.make_pair_indices(np.array([0, 0, 1, 1]), n_pairs)


def test_make_pair_indices_labels_and_zero_pairs():
    with pytest.raises(ValueError, match="y must hold integer class labels .* got dtype float32"):
        sl.make_pair_indices(np.array([0.0, 0.0, 1.0, 1.0], np.float32), 4)
    with pytest.raises(ValueError, match="y must hold integer class labels .* got dtype bool"):
        sl.make_pair_indices(np.array([True, True, False, False]), 4)
    with pytest.raises(ValueError, match="same_fraction must be a number, got '0.5'"):
        sl.make_pair_indices(np.array([0, 0, 1, 1]), 4, same_fraction="0.5")
    i, j, labels = sl.make_pair_indices(np.array([0, 0, 1, 1]), 0)
    assert i.shape == j.shape == labels.shape == (0,)


@pytest.fixture(scope="module")
def untrained():
    return sl.build_siamese("mlp")


@pytest.mark.parametrize(("arguments", "message"), [
    ({"epochs": 0}, "epochs must be at least 1, got 0"),
    ({"batch_size": True}, r"batch_size must be a whole number .* got True \(bool\)"),
    ({"pairs_per_epoch": 2.5}, r"pairs_per_epoch must be a whole number .* got 2.5"),
    ({"validation_pairs": 0}, "validation_pairs must be at least 1"),
    ({"shift": -1}, "shift must be at least 0, got -1"),
    ({"margin": 0.0}, "margin must be greater than 0.0, got 0.0"),
    ({"margin": float("nan")}, "margin must be a finite number, got nan"),
    ({"threshold": -0.1}, "threshold must be at least 0.0, got -0.1"),
    ({"threshold": float("inf")}, "threshold must be a finite number, got inf"),
])
def test_train_names_a_bad_setting(untrained, arguments, message):
    x, y = np.zeros((4, 28, 28), np.uint8), np.array([0, 0, 1, 1], np.uint8)
    with pytest.raises(ValueError, match=message):
        sl.train(untrained, x, y, verbose=0, **arguments)


def test_train_names_bad_images_and_labels(untrained):
    x, y = np.zeros((4, 28, 28), np.uint8), np.array([0, 0, 1, 1], np.uint8)
    with pytest.raises(ValueError, match="x_train has 4 images but y_train has 3 labels"):
        sl.train(untrained, x, y[:3], verbose=0)
    with pytest.raises(ValueError, match=r"x_train holds float64 values from 255 to 255"):
        sl.train(untrained, np.full((4, 28, 28), 255.0), y, verbose=0)
    with pytest.raises(ValueError, match="y_train must hold integer class labels"):
        sl.train(untrained, x, y.astype(np.float32), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data\[0\] has 4 images but "
                                         r"validation_data\[1\] has 2 labels"):
        sl.train(untrained, x, y, validation_data=(x, y[:2]), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data must be a pair \(x_val, y_val\)"):
        sl.train(untrained, x, y, validation_data=x, verbose=0)


def test_evaluate_pairs_names_bad_arguments(untrained):
    x, y = np.zeros((4, 28, 28), np.uint8), np.array([0, 0, 1, 1], np.uint8)
    with pytest.raises(ValueError, match="x holds float32 values from 0 to 255"):
        x_float = np.linspace(0, 255, 4 * 28 * 28, dtype=np.float32).reshape(4, 28, 28)
        sl.evaluate_pairs(untrained, x_float, y)
    with pytest.raises(ValueError, match="x has 4 images but y has 3 labels"):
        sl.evaluate_pairs(untrained, x, y[:3])
    with pytest.raises(ValueError, match="n_pairs must be at least 2, got 1"):
        sl.evaluate_pairs(untrained, x, y, n_pairs=1)
    with pytest.raises(ValueError, match="threshold must be a finite number, got nan"):
        sl.evaluate_pairs(untrained, x, y, threshold=float("nan"))
    with pytest.raises(ValueError, match="threshold must be at least 0.0, got -1"):
        untrained.evaluate_pairs(x, y, threshold=-1)
    with pytest.raises(ValueError, match="y must hold integer class labels"):
        untrained.evaluate_pairs(x, y.astype(np.float64))
    result = untrained.evaluate_pairs(x, y, n_pairs=4, threshold=0.25)
    assert result.labels.tolist().count(1.0) == 2 and result.threshold == 0.25


@pytest.mark.parametrize(("labels", "distances", "message"), [
    ([1, 0, 2], [0.1, 0.2, 0.3], r"labels must be 1 \(same pair\) or 0 \(different pair\), got 2"),
    ([1, 0], [0.1, 0.2, 0.3], "labels has 2 labels but distances has 3 distances"),
    ([1, 0, 1], [0.1, np.nan, 0.3], "distances must be finite"),
    ([1, 0, 1], [0.1, np.inf, 0.3], "distances must be finite"),
    ([], [], r"labels must be a non-empty 1-D array, got shape \(0,\)"),
    ([[1, 0]], [[0.1, 0.2]], r"labels must be a non-empty 1-D array, got shape \(1, 2\)"),
    ([1, 0], ["a", "b"], "distances must hold numbers, got dtype <U1"),
])
def test_roc_curve_names_bad_labels_and_distances(labels, distances, message):
    with pytest.raises(ValueError, match=message):
        sl.roc_curve(labels=np.array(labels), distances=np.array(distances))
