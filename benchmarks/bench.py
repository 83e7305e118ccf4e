"""Side-by-side benchmark of the training recipes, one fresh process each, in one run.

    make bench                      # 20 epochs each, about 3 minutes on 2 CPU cores
    .venv/bin/python benchmarks/bench.py --epochs 2

Prints a markdown table; ratios are against row 1 (the seed's script ported to Keras 3).
Targets: the library's recipe peaks under 1 GB resident memory and reaches test pair
accuracy of at least 0.97 (printed as PASS / FAIL below the table).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECIPES = [
    ("seed script, Keras 3 port (Python-loop pairs, float64 arrays)", "seed_port.py"),
    ("seed recipe through siamese_lib (streaming pairs)", "library_recipe.py"),
]
MEMORY_TARGET_MB = 1000
ACCURACY_TARGET = 0.97


def run(script, epochs):
    out = subprocess.run([sys.executable, str(HERE / script), str(epochs)], capture_output=True,
                         text=True, check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(rows):
    base = rows[0][1]
    lines = [
        "| recipe | pair prep (s) | peak memory (MB) | s / epoch | train accuracy as Keras "
        "reported it | test pair accuracy |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['prep_s']:.1f} ({r['prep_s'] / base['prep_s']:.2f}x) "
            f"| {r['peak_rss_mb']:.0f} ({r['peak_rss_mb'] / base['peak_rss_mb']:.2f}x) "
            f"| {r['s_per_epoch']:.2f} ({r['s_per_epoch'] / base['s_per_epoch']:.2f}x) "
            f"| {r['reported_train_accuracy']:.4f} | {r['test_pair_accuracy']:.4f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    rows = [(name, run(script, args.epochs)) for name, script in RECIPES]
    print(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores "
          f"({platform.machine()}, Python {platform.python_version()}), {args.epochs} epochs:\n")
    print(table(rows))
    library = rows[1][1]
    memory_ok = library["peak_rss_mb"] < MEMORY_TARGET_MB
    accuracy_ok = library["test_pair_accuracy"] >= ACCURACY_TARGET
    print(f"\nlibrary peak memory < {MEMORY_TARGET_MB} MB: {'PASS' if memory_ok else 'FAIL'}")
    if args.epochs == 20:
        print(f"library test pair accuracy >= {ACCURACY_TARGET}: "
              f"{'PASS' if accuracy_ok else 'FAIL'}")
    return 0 if memory_ok and (accuracy_ok or args.epochs != 20) else 1


if __name__ == "__main__":
    sys.exit(main())
