"""Reading files that may be damaged or hostile: the data loaders and `load_model` use these.

- `open_binary`: a file that exists but cannot be read says so ("permission denied; check its
  permissions"), instead of passing for a damaged file.
- `read_at_most`: reads in chunks of 1 MiB up to a bound, so memory follows what a stream
  really holds: a header that promises 100 GB costs nothing until the bytes come, and a
  stream longer than promised costs at most the bound.
- `check_zip_members`: a zip archive is measured (its member count and declared uncompressed
  sizes, which `zipfile` never reads past) before anything in it is unpacked.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import BinaryIO

from .errors import SiameseLibError

CHUNK_BYTES = 1 << 20  # what `read_at_most` reads at a time


def open_binary(file: Path, error: type[SiameseLibError]) -> BinaryIO:
    """`file` opened for reading bytes; an `error` naming the file when it cannot be opened.

    Raises:
        error: permission denied ("check its permissions"), or any other failure to open.
    """
    try:
        return Path(file).open("rb")
    except PermissionError as failure:
        raise error(f"Cannot read {file}: permission denied; check its permissions (`ls -l`, "
                    "`chmod u+r`), or copy it somewhere you can read it.") from failure
    except OSError as failure:
        raise error(f"Cannot read {file} ({failure.strerror or failure}). Check that it is a "
                    "readable file.") from failure


def read_at_most(stream: BinaryIO, limit: int, digest=None) -> bytearray:
    """Up to `limit` bytes from `stream`, fewer where it ends first, fed to `digest` (a hashlib
    object) as they come. Read in chunks, so only bytes that exist take memory."""
    data = bytearray()
    while len(data) < limit:
        chunk = stream.read(min(CHUNK_BYTES, limit - len(data)))
        if not chunk:
            break
        data += chunk
        if digest is not None:
            digest.update(chunk)
    return data


def file_sha256(file: Path, error: type[SiameseLibError]) -> str:
    """The sha256 hex digest of `file`'s bytes, read a chunk at a time."""
    digest = hashlib.sha256()
    with open_binary(file, error) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def check_zip_members(archive: zipfile.ZipFile, file: Path, *, max_bytes: int,
                      max_members: int, limit_name: str, error: type[SiameseLibError],
                      fix: str) -> None:
    """Refuse a zip archive that would unpack to more than `max_bytes`, or that has more than
    `max_members` members (a zip bomb, or a damaged directory), before reading any member.

    `zipfile` never unpacks more than a member's declared size, so the declared sizes bound
    what reading the archive costs.

    Args:
        limit_name: where the limit is set (`siamese_lib.persistence.MODEL_FILE_MAX_BYTES`),
            for the message: a user who trusts a bigger file can raise it.
        fix: what to do, for the message.
    """
    members = archive.infolist()
    if len(members) > max_members:
        raise error(f"{file} is a zip archive of {len(members):,} members, more than the "
                    f"{max_members:,} allowed: it is damaged, or not what its name says. {fix}")
    total = sum(member.file_size for member in members)
    if total > max_bytes:
        raise error(f"{file} would unpack to {total:,} bytes, more than the {max_bytes:,} of "
                    f"{limit_name}: it is damaged, or a zip bomb. {fix} If you trust the file, "
                    f"raise {limit_name}.")
