"""Atomic file writes: write a temporary file beside the target, then rename it over the target.

An interrupted write (an exception, a killed kernel) never leaves a half-written file under the
target's name: either the old file is still there, or the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto `target` on success.

    The temporary file keeps the target's suffix (Keras insists on `.keras`, PIL picks the
    image format from it). On any exception the temporary file is removed and the target is
    left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A unique name, not a pre-created file: the writer creates it, so the umask applies.
    tmp = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:12]}.tmp{target.suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
