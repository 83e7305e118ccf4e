"""Silencing TensorFlow's native start-up lines, and nothing else.

Since TensorFlow 2.19, `TF_CPP_MIN_LOG_LEVEL` no longer reaches the lines its C++ core writes
while it starts ("All log messages before absl::InitializeLog() ...", "oneDNN custom
operations are on", "Could not find cuda drivers", "failed call to cuInit"); Jupyter shows them
in the output of whatever cell triggered them. They are not errors for a CPU-only tutorial.

`quiet_native_stderr()` points file descriptor 2 at /dev/null for the duration of a block.
`import siamese_lib` uses it once, while TensorFlow loads and lists its devices. Training is
never wrapped in it: after start-up, the `TF_CPP_MIN_LOG_LEVEL=2` that siamese_lib sets
before TensorFlow loads keeps TensorFlow's routine INFO lines out, and every Python warning,
Keras message and native error written during `fit` reaches you (tests/test_training.py
checks it). Set the environment variable `SIAMESE_LIB_TF_LOGS=1` to see the start-up lines too.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Discard what native code writes to file descriptor 2 inside the block."""
    if os.environ.get("SIAMESE_LIB_TF_LOGS") == "1":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
