"""Atomic file writes: write a temporary file beside the target, then rename it over the target.

An interrupted write (an exception, a killed kernel) never leaves a half-written file under the
target's name: either the old file is still there, or the new one is complete. The new file
is flushed to disk (`fsync`) before the rename and the folder after it, so that a power cut
right after a save does not leave an empty file behind either.

A save killed outright (the kernel restarted mid-save) cannot remove its temporary file; the
next save of the same target removes such leftovers once they are `STALE_AFTER_SECONDS` old.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

# A leftover temporary file untouched for this long is stale: no save here pauses between two
# writes for ten minutes, so a file this old is not being written by another process.
STALE_AFTER_SECONDS = 600


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto `target` on success.

    The temporary file, `.{stem}.<12 hex digits>.tmp{suffix}`, keeps the target's suffix
    (Keras insists on `.keras`, PIL picks the image format from it). On success it is synced
    to disk, renamed onto the target, and the folder synced (where the system allows it). On
    any exception the temporary file is removed and the target is left untouched.
    Temporary files of earlier saves of the same target older than `STALE_AFTER_SECONDS` are
    removed first.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(target)
    # A unique name, not a pre-created file: the writer creates it, so the umask applies.
    tmp = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:12]}.tmp{target.suffix}")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files `atomic_path` left beside `target` (saves that were killed)
    that nobody has written to for `STALE_AFTER_SECONDS`."""
    stem, suffix = re.escape(target.stem), re.escape(target.suffix)
    pattern = re.compile(rf"\.{stem}\.[0-9a-f]{{12}}\.tmp{suffix}")
    with contextlib.suppress(OSError):  # an unreadable folder: nothing to clean
        for candidate in target.parent.iterdir():
            if not pattern.fullmatch(candidate.name):
                continue
            with contextlib.suppress(OSError):  # gone already, or not ours to remove
                age = time.time() - candidate.stat().st_mtime
                if candidate.is_file() and age > STALE_AFTER_SECONDS:
                    candidate.unlink()


def _fsync(path: Path) -> None:
    """Flush a file's content to disk (read-only is enough on POSIX: the file may be read-only,
    e.g. copied with its mode by `shutil.copy2`; Windows needs write access)."""
    descriptor = os.open(path, os.O_RDONLY if os.name == "posix" else os.O_RDWR)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk, where the system allows it: not on
    Windows (folders cannot be opened), nor on file systems that refuse it."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
