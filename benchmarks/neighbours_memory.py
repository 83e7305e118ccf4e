"""Working memory of `nearest_neighbours`: 10,000 queries against 60,000 references.

    .venv/bin/python benchmarks/neighbours_memory.py     (part of make bench, about 1 minute)

The 10,000 MNIST test images against the 60,000 training images, as raw uint8 pixels (the
1-nearest-neighbour judge of notebook 04) and as 64-number embeddings of the shipped CNN.
Peak memory is measured with `tracemalloc` (every NumPy allocation), beyond the inputs.
Target: under 300 MB for each (printed as PASS / FAIL).
"""

import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(__file__))
import measure  # noqa: E402, F401  (it quiets TensorFlow's start-up first)

import siamese_lib as sl  # noqa: E402
from siamese_lib.pretrained import PRETRAINED_DIR  # noqa: E402

TARGET_MB = 300


def peak_mb(queries, references):
    """Peak traced memory of one call, in MB, and how long it took."""
    tracemalloc.start()
    start = time.perf_counter()
    sl.nearest_neighbours(queries, references, k=5)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6, seconds


def main():
    (x_train, _), (x_test, _) = sl.load_mnist()
    model = sl.load_model(PRETRAINED_DIR / "cnn.keras")
    rows = {"raw pixels (784 uint8 values each)": peak_mb(x_test, x_train),
            "CNN embeddings (64 float32 values each)": peak_mb(sl.embed(model, x_test),
                                                               sl.embed(model, x_train))}
    print(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores: "
          "nearest_neighbours(k=5), 10,000 queries against 60,000 references:\n")
    print("| vectors | peak working memory (MB) | seconds |\n| --- | --- | --- |")
    for name, (mb, seconds) in rows.items():
        print(f"| {name} | {mb:.0f} | {seconds:.1f} |")
    ok = all(mb < TARGET_MB for mb, _ in rows.values())
    print(f"\nunder {TARGET_MB} MB: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
