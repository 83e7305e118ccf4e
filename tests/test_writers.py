"""load_test_writers: who wrote each MNIST test digit (QMNIST), and every kind of bad file."""

import gzip
import hashlib

import numpy as np
import pytest

import siamese_lib as sl
from siamese_lib.writers import SHIPPED_QMNIST_DIR, TEST_LABELS


@pytest.fixture(scope="module")
def writers(mnist):
    _, (_, y_test) = mnist
    return sl.load_test_writers(mnist_test_labels=y_test)


def test_first_half_is_students_last_half_census_bureau(writers):
    first, last = slice(0, 5000), slice(5000, 10000)
    assert writers.series.shape == writers.writer.shape == (10000,)
    assert writers.series.dtype == np.uint8 and writers.writer.dtype == np.int32
    assert set(writers.series[first].tolist()) == {4}
    assert len(np.unique(writers.writer[first])) == 249
    assert np.bincount(writers.series[last], minlength=5)[[0, 1, 4]].tolist() == [4999, 0, 1]
    assert len(np.unique(writers.writer[last])) == 49
    assert writers.who(4) == "high-school students"
    assert writers.who(0) == "Census Bureau employees"
    assert writers.who(7) == "NIST series 7"


def _copy(tmp_path, content=None):
    """A folder with the shipped label file (or `content`) and a SHA256SUMS matching it."""
    data = (SHIPPED_QMNIST_DIR / TEST_LABELS).read_bytes() if content is None else content
    (tmp_path / TEST_LABELS).write_bytes(data)
    (tmp_path / "SHA256SUMS").write_text(f"{hashlib.sha256(data).hexdigest()}  {TEST_LABELS}\n")
    return tmp_path


def test_a_copy_in_another_folder_loads_the_same(tmp_path, writers):
    copy = sl.load_test_writers(_copy(tmp_path))
    assert np.array_equal(copy.writer, writers.writer)


def test_missing_file_is_named(tmp_path):
    message = f"Missing QMNIST label file: .*{TEST_LABELS}.*replace"
    with pytest.raises(sl.DataFileError, match=message):
        sl.load_test_writers(tmp_path)


def test_damaged_file_fails_its_checksum(tmp_path):
    folder = _copy(tmp_path)
    data = bytearray((folder / TEST_LABELS).read_bytes())
    data[100] ^= 0xFF
    (folder / TEST_LABELS).write_bytes(bytes(data))
    with pytest.raises(sl.DataFileError, match="Checksum mismatch for .*qmnist-test-labels"):
        sl.load_test_writers(folder)


def test_not_gzip_is_named(tmp_path):
    with pytest.raises(sl.DataFileError, match="not a readable gzip-compressed text file"):
        sl.load_test_writers(_copy(tmp_path, b"plain text, not gzip"))


def test_short_file_says_how_many_rows(tmp_path):
    rows = "".join(f"{i % 10}\t4\t{i}\n" for i in range(10))
    with pytest.raises(sl.DataFileError, match="has 10 rows; the MNIST test set needs 10,000"):
        sl.load_test_writers(_copy(tmp_path, gzip.compress(rows.encode())))


def test_malformed_row_is_numbered(tmp_path):
    rows = ["7\t4\t2578"] * 10_000
    rows[41] = "7\tfour\t2578"
    with pytest.raises(sl.DataFileError, match="row 42: expected tab-separated integers"):
        sl.load_test_writers(_copy(tmp_path, gzip.compress("\n".join(rows).encode())))
    rows[41] = "7\t4"
    with pytest.raises(sl.DataFileError, match="row 42: 2 columns, expected at least 3"):
        sl.load_test_writers(_copy(tmp_path, gzip.compress("\n".join(rows).encode())))


def test_rows_that_do_not_match_the_mnist_labels_are_refused(mnist):
    _, (_, y_test) = mnist
    shifted = np.roll(y_test, 1)
    message = "mnist_test_labels .shape .10000,.. differ from the first 10,000 digits"
    with pytest.raises(sl.DataFileError, match=message):
        sl.load_test_writers(mnist_test_labels=shifted)
