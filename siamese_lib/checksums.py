"""SHA256SUMS files: reading them and checking content against them (MNIST and Omniglot).

A SHA256SUMS file holds one `<sha256>  <name>` line per file, as `sha256sum` writes it
(`sha256sum -b` writes `*name`); empty lines and lines starting with `#` are skipped.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import DataFileError


def read_sums(folder: Path, *, required: bool, restore: str) -> dict[str, str] | None:
    """Map file name -> sha256 hex digest from `folder/SHA256SUMS`, or None if it is absent.

    Args:
        required: a missing SHA256SUMS is an error (the shipped copies), not a skipped check.
        restore: how to restore the shipped copy, for the messages (e.g. a git command).

    Raises:
        DataFileError: SHA256SUMS is required and missing, or holds a malformed line.
    """
    sums_file = folder / "SHA256SUMS"
    if not sums_file.is_file():
        if required:
            raise DataFileError(f"Missing checksum file: {sums_file}. Restore it with {restore}.")
        return None
    sums = {}
    for line in sums_file.read_text().splitlines():
        fields = line.split()
        if not fields or line.startswith("#"):
            continue
        if len(fields) != 2:
            raise DataFileError(f"{sums_file} has a line that is not '<sha256>  <file>': "
                                f"{line!r}. Fix it, or restore it with {restore}.")
        sums[fields[1].lstrip("*")] = fields[0]
    return sums


def check_sum(file: Path, content: bytes, sums: dict[str, str], *, of: str, restore: str,
              name: str | None = None) -> None:
    """Compare the sha256 of `content` with the line in `sums` for `name` (default: file's).

    Args:
        name: the name SHA256SUMS lists the file under (MNIST lists the IDX name, without .gz).
        of: what the sum is taken of, for the messages ("the decompressed content", "the file").
        restore: how to restore the shipped copy, for the messages.

    Raises:
        DataFileError: no line for the file, or a different sum.
    """
    name = name or file.name
    expected = sums.get(name)
    if expected is None:
        raise DataFileError(
            f"{file.parent / 'SHA256SUMS'} has no line for {name}. Add its sha256 "
            f"(of {of}), or remove SHA256SUMS to skip the check."
        )
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        raise DataFileError(
            f"Checksum mismatch for {file}: sha256 of {of} is {actual}, SHA256SUMS expects "
            f"{expected}. The file is damaged or was replaced; restore it with {restore}."
        )
