"""SHA256SUMS files: reading them and checking content against them (MNIST, QMNIST, Omniglot).

A SHA256SUMS file holds one `<sha256>  <name>` line per file, as `sha256sum` writes it
(`sha256sum -b` writes `<sha256> *<name>`): 64 hex digits, upper or lower case. Blank lines and
lines starting with `#` (after any spaces) are skipped. What the sums are of depends on the
data set: MNIST lists the sums of the decompressed IDX content (`gunzip -c FILE | sha256sum`),
QMNIST and Omniglot those of the files themselves (`sha256sum FILE`).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import DataFileError
from .safe_files import file_sha256, open_binary, read_at_most

DECOMPRESSED = "the decompressed content"  # `of` for sums of what a .gz file holds
SUMS_MAX_BYTES = 1 << 20  # a "SHA256SUMS" larger than 1 MiB is not one
_LINE = re.compile(r"([0-9a-fA-F]{64})\s+\*?(.+)")


def read_sums(folder: Path, *, required: bool, restore: str,
              of: str = "the file") -> dict[str, str] | None:
    """Map file name -> lower-case sha256 hex digest from `folder/SHA256SUMS`, or None if absent.

    Args:
        required: a missing SHA256SUMS is an error (the shipped copies), not a skipped check.
        restore: how to restore the shipped copy, for the messages (e.g. a git command).
        of: what the sums are of, for the messages: "the file", or `DECOMPRESSED`.

    Raises:
        DataFileError: SHA256SUMS is required and missing, cannot be read, is not text, or
            holds a malformed line (named by its number) or two different sums for one file.
    """
    sums_file = folder / "SHA256SUMS"
    if not sums_file.is_file():
        if required:
            raise DataFileError(f"Missing checksum file: {sums_file}. Restore it with {restore}.")
        return None
    sums: dict[str, str] = {}
    for number, line in enumerate(_read_text(sums_file, restore).splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.fullmatch(stripped)
        if match is None:
            raise DataFileError(
                f"{sums_file}, line {number}: {line[:80]!r} is not '<sha256>  <file>' (64 hex "
                f"digits, two spaces, the file name: the sum of {of}, as {_command(of)} "
                f"prints it). Fix the line, or restore the file with {restore}.")
        digest, name = match.group(1).lower(), match.group(2).removeprefix("./")
        if sums.setdefault(name, digest) != digest:
            raise DataFileError(f"{sums_file}, line {number}: a second, different sum for {name}. "
                                f"Keep one line per file, or restore the file with {restore}.")
    return sums


def check_sum(file: Path, digest: str, sums: dict[str, str], *, of: str, restore: str,
              name: str | None = None) -> None:
    """Compare `digest`, the sha256 hex digest of `file`'s content, with the line in `sums`
    for `name` (default: the file's name).

    Args:
        name: the name SHA256SUMS lists the file under (MNIST lists the IDX name, without .gz).
        of: what the sum is taken of, for the messages: "the file", or `DECOMPRESSED` (then a
            line holding the sum of the .gz file itself is recognised and explained).
        restore: how to restore the shipped copy, for the messages.

    Raises:
        DataFileError: no line for the file, or a different sum.
    """
    name = name or file.name
    sums_file = file.parent / "SHA256SUMS"
    expected = sums.get(name)
    if expected is None:
        raise DataFileError(
            f"{sums_file} has no line for {name}. Add its sha256 (of {of}: "
            f"{_command(of)}), or remove SHA256SUMS to skip the check."
        )
    if digest == expected:
        return
    if of == DECOMPRESSED and file.suffix == ".gz" and file_sha256(file, DataFileError) == expected:
        raise DataFileError(
            f"{sums_file}: the line for {name} is the sum of the .gz file itself, but SHA256SUMS "
            f"must list sums of the decompressed content (what `gunzip -c {file.name} | "
            "sha256sum` prints). Replace the line's sum with that one.")
    raise DataFileError(
        f"Checksum mismatch for {file}: sha256 of {of} is {digest}, SHA256SUMS expects "
        f"{expected}. The file is damaged or was replaced; restore it with {restore}."
    )


def _read_text(sums_file: Path, restore: str) -> str:
    """The text of a SHA256SUMS file, read no further than `SUMS_MAX_BYTES`."""
    with open_binary(sums_file, DataFileError) as stream:
        content = read_at_most(stream, SUMS_MAX_BYTES + 1)
    if len(content) > SUMS_MAX_BYTES:
        raise DataFileError(f"{sums_file} is larger than {SUMS_MAX_BYTES:,} bytes: not a list of "
                            f"checksums. Restore it with {restore}.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataFileError(f"{sums_file} is not a text file ({error}). Restore it with "
                            f"{restore}.") from None


def _command(of: str) -> str:
    """The command that prints a sum of `of`, for the messages."""
    if of == DECOMPRESSED:
        return "`gunzip -c FILE | sha256sum` for a .gz file, `sha256sum FILE` for a plain one"
    return "`sha256sum FILE`"
