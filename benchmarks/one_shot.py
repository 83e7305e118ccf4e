"""The one-shot rows of `make bench`: Omniglot's 20 official runs, side by side in one run.

    .venv/bin/python benchmarks/one_shot.py             # seed 0 (the shipped model's)
    .venv/bin/python benchmarks/one_shot.py 0 1 2       # the Siamese network over three seeds
    .venv/bin/python benchmarks/one_shot.py 0 1 2 --save    # also write results/ for notebook 07

Rows: raw pixels (28x28), the Modified Hausdorff Distance (105x105, the authors' baseline), the
shipped MNIST CNN (notebook 06), and the Omniglot Siamese network trained here on the 8
background alphabets with `recipes.train_omniglot`, once per seed. Prints a markdown table and
PASS / FAIL against the targets: at least 0.80 mean accuracy, training at most 10 minutes.
"""

import os
import sys
import time
from pathlib import Path

import siamese_lib as sl
from siamese_lib import omniglot, recipes
from siamese_lib.pretrained import PRETRAINED_DIR

sys.path.insert(0, os.path.dirname(__file__))
from measure import save_results, seed_arguments  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "one_shot.json"
ACCURACY_TARGET = 0.80
SECONDS_TARGET = 600


def main():
    args = seed_arguments(__doc__.splitlines()[0], RESULTS, default_seeds=(0,))
    runs = omniglot.load_one_shot_runs(size=recipes.OMNIGLOT_SIZE)
    mnist_cnn = sl.load_model(PRETRAINED_DIR / "cnn.keras").base_network
    rows = [
        ("raw pixels, 28x28", sl.one_shot_accuracy(runs, sl.pixel_distances)[0], None),
        ("Modified Hausdorff Distance, 105x105 (no training)",
         sl.one_shot_accuracy(omniglot.load_one_shot_runs(size=105),
                              omniglot.hausdorff_distances)[0], None),
        ("the MNIST CNN of notebook 06 (shipped)",
         sl.one_shot_accuracy(runs, sl.embedding_distances(mnist_cnn))[0], None),
    ]
    background = omniglot.load_background(size=recipes.OMNIGLOT_SIZE)
    for seed in args.seeds:
        start = time.perf_counter()
        model, _ = recipes.train_omniglot(background, seed=seed, verbose=0)
        seconds = time.perf_counter() - start
        accuracy, _ = sl.one_shot_accuracy(runs, sl.embedding_distances(model.base_network))
        rows.append((f"Omniglot Siamese network, seed {seed}", accuracy, seconds))
    measured = time.strftime("%Y-%m-%d")
    print(f"Measured {measured}; the 20 official 20-way one-shot runs (chance 0.05):\n")
    print("| distance | mean accuracy | training (s) |\n|---|---|---|")
    for name, accuracy, seconds in rows:
        print(f"| {name} | {accuracy:.4f} | {'-' if seconds is None else f'{seconds:.0f}'} |")
    print()
    checks = {}
    for name, accuracy, seconds in (row for row in rows if row[2] is not None):
        checks[f"{name}: accuracy >= {ACCURACY_TARGET} ({accuracy:.4f})"] = (
            accuracy >= ACCURACY_TARGET)
        checks[f"{name}: trained in <= {SECONDS_TARGET} s ({seconds:.0f} s)"] = (
            seconds <= SECONDS_TARGET)
    for check, ok in checks.items():
        print(f"{check}: {'PASS' if ok else 'FAIL'}")
    if args.save:
        save_results(RESULTS, {"measured": measured, "seeds": args.seeds, "rows": rows})
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
