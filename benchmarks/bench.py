"""Side-by-side benchmark of the training recipes, one fresh process each, in one run.

    make bench                      # the full recipes, about 6 minutes on 2 CPU cores
    .venv/bin/python benchmarks/bench.py --epochs 1     # a quick look

Prints a markdown table; ratios are against row 1 (the blog's script ported to Keras 3).
Targets, printed as PASS / FAIL below the table: the library's blog's recipe peaks under 1 GB
resident memory and reaches test pair accuracy 0.97; the CNN trains in at most 5 minutes and
reaches 0.993 at threshold 0.5. After each epoch every recipe is judged on the same 10,000
test pairs (not counted as training time), which gives the "s to reach 0.97" column.
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
RECIPES = [  # (name, script and its arguments)
    ("1. blog's script, Keras 3 port (Python-loop pairs, float64 arrays, model.predict)",
     ["blog_port.py"]),
    ("2. blog's recipe through siamese_lib (streaming pairs, model called directly)",
     ["library_recipe.py", "blog"]),
    ("3. best recipe: CNN (siamese_lib.recipes 'cnn')", ["library_recipe.py", "cnn"]),
]
MEMORY_TARGET_MB = 1000
ACCURACY_TARGET = 0.97
CNN_ACCURACY_TARGET = 0.993
CNN_SECONDS_TARGET = 300


def run(script_and_args, epochs):
    """Run one recipe in a fresh process (so its peak memory is its own); return its row."""
    script, *args = script_and_args
    command = [sys.executable, str(HERE / script), *args]
    if epochs is not None:
        command.append(str(epochs))
    out = subprocess.run(command, capture_output=True, text=True, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def seconds_to_bar(row, base):
    """Training seconds until test pair accuracy first reached 0.97, with the ratio to row 1."""
    if row["seconds_to_97"] is None:
        return "not reached"
    text = f"{row['seconds_to_97']:.0f}"
    if base["seconds_to_97"]:
        text += f" ({row['seconds_to_97'] / base['seconds_to_97']:.2f}x)"
    return text


def table(rows):
    base = rows[0][1]
    lines = [
        "| recipe | data and pair prep (s) | peak memory (MB) | s / epoch | train accuracy as "
        "Keras reported it | test pair accuracy | s to reach 0.97 | ms per pair comparison |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in rows:
        to_97 = seconds_to_bar(r, base)
        lines.append(
            f"| {name} | {r['prep_s']:.1f} ({r['prep_s'] / base['prep_s']:.2f}x) "
            f"| {r['peak_rss_mb']:.0f} ({r['peak_rss_mb'] / base['peak_rss_mb']:.2f}x) "
            f"| {r['s_per_epoch']:.2f} ({r['s_per_epoch'] / base['s_per_epoch']:.2f}x) "
            f"| {r['reported_train_accuracy']:.4f} | {r['test_pair_accuracy']:.4f} | {to_97} "
            f"| {r['compare_ms']:.1f} ({r['compare_ms'] / base['compare_ms']:.2f}x) |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs for every recipe (default: each recipe's own)")
    args = parser.parse_args()
    rows = [(name, run(script, args.epochs)) for name, script in RECIPES]
    epochs = f"{args.epochs} epochs each" if args.epochs else "each recipe's own epochs"
    print(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores "
          f"({platform.machine()}, Python {platform.python_version()}), {epochs}:\n")
    print(table(rows))
    library, cnn = rows[1][1], rows[2][1]
    checks = {
        f"library peak memory < {MEMORY_TARGET_MB} MB": library["peak_rss_mb"] < MEMORY_TARGET_MB,
    }
    if args.epochs is None:  # the full recipes: their targets apply
        checks[f"library test pair accuracy >= {ACCURACY_TARGET}"] = (
            library["test_pair_accuracy"] >= ACCURACY_TARGET)
        checks[f"CNN test pair accuracy >= {CNN_ACCURACY_TARGET} at threshold 0.5"] = (
            cnn["test_pair_accuracy"] >= CNN_ACCURACY_TARGET)
        checks[f"CNN trained in <= {CNN_SECONDS_TARGET} s ({cnn['train_seconds']:.0f} s)"] = (
            cnn["train_seconds"] <= CNN_SECONDS_TARGET)
    print()
    for check, ok in checks.items():
        print(f"{check}: {'PASS' if ok else 'FAIL'}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
