"""Distance mappings and margins for the blog's MLP, 3 seeds: which trains best in 5 epochs?

    .venv/bin/python benchmarks/mappings_and_margins.py          # seeds 0 1 2, about 5 minutes
    .venv/bin/python benchmarks/mappings_and_margins.py --save   # and write results/ (notebook 06)

Five variants of the blog's recipe (MLP, RMSprop, batch 128, 60,000 fresh pairs an epoch), each
trained for 5 epochs on the first 55,000 training images, once per seed: the Euclidean, squared
and Manhattan distances at margin 1, and the Euclidean distance at margins 0.5 and 2. Each model
is scored on 10,000 validation pairs (the last 5,000 training images) at its own calibrated
threshold, which is how variants are compared and chosen, and on the 10,000 test pairs of
`evaluate_pairs` at threshold margin/2 and at the calibrated threshold, reported after the fact.
Notebooks 03, 04 and 06 read results/mappings_and_margins.json.
Prints a markdown table: mean and spread (min-max) over the seeds.
"""

import os
import sys
import time
from pathlib import Path

import siamese_lib as sl
from siamese_lib import recipes

sys.path.insert(0, os.path.dirname(__file__))
from measure import save_results, seed_arguments, spread  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "mappings_and_margins.json"
EPOCHS = 5
VARIANTS = [("euclidean", 1.0), ("squared", 1.0), ("manhattan", 1.0),
            ("euclidean", 0.5), ("euclidean", 2.0)]


def run(distance, margin, seed, data):
    """Train one variant for one seed; its validation and test scores and seconds."""
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = data
    start = time.perf_counter()
    model, _ = recipes.train_recipe("blog", x_train, y_train, epochs=EPOCHS, distance=distance,
                                    margin=margin, seed=seed, verbose=0)
    seconds = time.perf_counter() - start
    validation = sl.evaluate_pairs(model, x_val, y_val, n_pairs=10_000, seed=2)
    threshold, validation_accuracy = sl.calibrate_threshold(labels=validation.labels,
                                                            distances=validation.distances)
    return {"seconds": seconds, "threshold": float(threshold),
            "validation_calibrated": float(validation_accuracy),
            "test_at_half_margin": sl.evaluate_pairs(model, x_test, y_test,
                                                     threshold=margin / 2).accuracy,
            "test_calibrated": sl.evaluate_pairs(model, x_test, y_test,
                                                 threshold=threshold).accuracy}


def table(results):
    lines = ["| distance | margin | validation, calibrated | test at margin/2 | test, calibrated "
             "| calibrated threshold |", "|---|---|---|---|---|---|"]
    for row in results:
        runs = row["runs"]
        lines.append(f"| {row['distance']} | {row['margin']:g} "
                     f"| {spread([r['validation_calibrated'] for r in runs], 4)} "
                     f"| {spread([r['test_at_half_margin'] for r in runs], 4)} "
                     f"| {spread([r['test_calibrated'] for r in runs], 4)} "
                     f"| {spread([r['threshold'] for r in runs], 4)} |")
    return "\n".join(lines)


def main():
    args = seed_arguments(__doc__.splitlines()[0], RESULTS)
    (x_all, y_all), test = sl.load_mnist()
    data = ((x_all[:55_000], y_all[:55_000]), (x_all[55_000:], y_all[55_000:]), test)
    results = []
    for distance, margin in VARIANTS:
        runs = [run(distance, margin, seed, data) for seed in args.seeds]
        results.append({"distance": distance, "margin": margin, "runs": runs})
        print(f"{distance}, margin {margin:g}: done", flush=True)
    measured = time.strftime("%Y-%m-%d")
    print(f"\nMeasured {measured}, MLP, {EPOCHS} epochs, seeds {args.seeds}, mean (min-max):\n")
    print(table(results))
    if args.save:
        save_results(RESULTS, {"measured": measured, "seeds": args.seeds, "epochs": EPOCHS,
                               "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
