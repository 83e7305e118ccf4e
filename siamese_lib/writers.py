"""Who wrote each MNIST test digit: the NIST series and writer, from QMNIST's labels.

QMNIST (Yadav & Bottou 2019) traced every MNIST digit to the NIST form it came from. The
project ships its test-set labels in `siamese_lib/data/qmnist/` (see its README for credit and
licence).
Explained in notebooks/04_training.ipynb, section 6.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checksums import check_sum, read_sums
from .errors import DataFileError
from .places import restore_hint, shipped
from .safe_files import file_sha256, open_binary

SHIPPED_QMNIST_DIR = shipped("qmnist")
RESTORE = restore_hint("qmnist")
TEST_LABELS = "qmnist-test-labels.tsv.gz"
MNIST_TEST_SIZE = 10_000
MAX_ROW_BYTES = 1000  # a QMNIST row is 8 numbers, under 40 bytes: longer is not a QMNIST row
SERIES_WRITERS = {0: "Census Bureau employees", 1: "Census Bureau employees",
                  4: "high-school students"}


@dataclass(frozen=True)
class DigitWriters:
    """Where the 10,000 MNIST test digits came from, in MNIST's order.

    Attributes:
        digit: (10000,) uint8, the digit as QMNIST labels it (equal to MNIST's test labels).
        series: (10000,) uint8, the NIST HSF series: 0 or 1 (Census Bureau employees) or 4
            (high-school students).
        writer: (10000,) int32, the NIST writer id.
    """

    digit: np.ndarray
    series: np.ndarray
    writer: np.ndarray

    def who(self, series: int) -> str:
        """Who wrote NIST series `series`, in words."""
        return SERIES_WRITERS.get(int(series), f"NIST series {int(series)}")


def load_test_writers(path: str | os.PathLike | None = None,
                      mnist_test_labels: np.ndarray | None = None) -> DigitWriters:
    """Load the NIST series and writer of every MNIST test digit.

    Args:
        path: a folder holding `qmnist-test-labels.tsv.gz`; None: the shipped copy, whose
            checksum is checked.
        mnist_test_labels: (10000,) MNIST test labels; if given, QMNIST's digits must equal
            them (proof that the rows line up with the MNIST test images).

    Raises:
        DataFileError: the file is missing, unreadable, damaged, malformed, or does not line up
            with `mnist_test_labels`. Only the first 10,000 rows are decompressed, a row at a
            time (at most `MAX_ROW_BYTES` each), so a hostile file cannot fill the memory.
    """
    folder = SHIPPED_QMNIST_DIR if path is None else Path(path)
    file = folder / TEST_LABELS
    fix = f"restore it with {RESTORE}" if path is None else f"replace {file} with QMNIST's file"
    if not file.is_file():
        raise DataFileError(f"Missing QMNIST label file: {file}. To fix it, {fix}.")
    sums = read_sums(folder, required=path is None, restore=RESTORE)
    if sums is not None:
        check_sum(file, file_sha256(file, DataFileError), sums, of="the file", restore=RESTORE)
    table = _parse_rows(file, _read_rows(file, fix), fix)
    writers = DigitWriters(digit=table[:, 0].astype(np.uint8), series=table[:, 1].astype(np.uint8),
                          writer=table[:, 2].astype(np.int32))
    if mnist_test_labels is not None and not np.array_equal(writers.digit, mnist_test_labels):
        raise DataFileError(
            f"mnist_test_labels (shape {np.shape(mnist_test_labels)}) differ from the first "
            f"{MNIST_TEST_SIZE:,} digits of {file}. Pass the MNIST TEST labels, y_test of "
            f"load_mnist(); if you did, the file is damaged: {fix}.")
    return writers


def _read_rows(file: Path, fix: str) -> list[str]:
    """The first 10,000 lines of the gzip-compressed text `file`, decompressed a line at a time,
    each at most `MAX_ROW_BYTES` long (fewer lines where the file ends first)."""
    rows: list[str] = []
    with open_binary(file, DataFileError) as raw, gzip.GzipFile(fileobj=raw) as stream:
        try:
            while len(rows) < MNIST_TEST_SIZE and (line := stream.readline(MAX_ROW_BYTES + 1)):
                if len(line) > MAX_ROW_BYTES:
                    raise DataFileError(f"{file}, row {len(rows) + 1}: longer than "
                                        f"{MAX_ROW_BYTES} bytes, not a QMNIST row. To fix it, "
                                        f"{fix}.")
                rows.append(line.decode("ascii").rstrip("\r\n"))
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
            raise DataFileError(f"{file} is not a readable gzip-compressed text file ({error}). "
                                f"To fix it, {fix}.") from None
    return rows


def _parse_rows(file: Path, lines: list[str], fix: str) -> np.ndarray:
    """The first three columns of the 10,000 rows `lines`, as an int64 array (10000, 3)."""
    if len(lines) < MNIST_TEST_SIZE:
        raise DataFileError(f"{file} has {len(lines):,} rows; the MNIST test set needs "
                            f"{MNIST_TEST_SIZE:,}. To fix it, {fix}.")
    rows = []
    for number, line in enumerate(lines, start=1):
        fields = line.split("\t")
        try:
            rows.append([int(value) for value in fields[:3]])
        except ValueError:
            raise DataFileError(f"{file}, row {number}: expected tab-separated integers, got "
                                f"{line[:60]!r}. To fix it, {fix}.") from None
        if len(fields) < 3:
            raise DataFileError(f"{file}, row {number}: {len(fields)} columns, expected at "
                                f"least 3. To fix it, {fix}.")
    return np.array(rows, dtype=np.int64)
