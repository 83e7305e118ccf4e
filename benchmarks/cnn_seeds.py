"""Is the CNN recipe's result a lucky seed? `cnn_seeds.py SEED [SEED ...]` (about 5 min each).

For each seed, the CNN recipe (siamese_lib.recipes, "cnn") trains on the first 55,000
training images, exactly as `make models` does for seed 0. The other 5,000 choose the
threshold and the k of k-NN; then both are judged on the test set. Prints a markdown table
and PASS or FAIL for each of issue 5's targets on every seed.
"""

import os
import sys
import time

import numpy as np

import siamese_lib as sl
from siamese_lib import recipes
from siamese_lib.embeddings import embed
from siamese_lib.pretrained import VALIDATION_SIZE

sys.path.insert(0, os.path.dirname(__file__))
from bench import CNN_ACCURACY_TARGET, CNN_SECONDS_TARGET  # noqa: E402

TARGETS = {"at 0.5": CNN_ACCURACY_TARGET, "calibrated": 0.995, "k-NN": 0.993}


def measure(seed, x_all, y_all, x_test, y_test):
    """Train one seed and return its row: seconds, accuracies, threshold and k."""
    x_train, y_train = x_all[:-VALIDATION_SIZE], y_all[:-VALIDATION_SIZE]
    x_val, y_val = x_all[-VALIDATION_SIZE:], y_all[-VALIDATION_SIZE:]
    start = time.perf_counter()
    model, _ = recipes.train_recipe("cnn", x_train, y_train, seed=seed, verbose=0)
    seconds = time.perf_counter() - start
    validation = sl.evaluate_pairs(model, x_val, y_val, seed=2)
    threshold, _ = sl.calibrate_threshold(labels=validation.labels, distances=validation.distances)
    full_index = embed(model, x_all)  # training images first, then the validation ones
    best_k, _ = sl.choose_k(full_index[-VALIDATION_SIZE:], query_labels=y_val,
                            references=full_index[:-VALIDATION_SIZE], reference_labels=y_train)
    predicted = sl.knn_classify(embed(model, x_test), references=full_index,
                                reference_labels=y_all, k=best_k)
    return {
        "seed": seed, "seconds": seconds, "threshold": threshold, "k": best_k,
        "at 0.5": sl.evaluate_pairs(model, x_test, y_test, seed=1).accuracy,
        "calibrated": sl.evaluate_pairs(model, x_test, y_test, threshold=threshold,
                                        seed=1).accuracy,
        "k-NN": float(np.mean(predicted == y_test)),
    }


def main(seeds):
    (x_all, y_all), (x_test, y_test) = sl.load_mnist()
    rows = [measure(seed, x_all, y_all, x_test, y_test) for seed in seeds]
    print("| seed | training (s) | test pair accuracy at 0.5 | calibrated threshold "
          "| at the calibrated threshold | k | k-NN, full index |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['seed']} | {r['seconds']:.0f} | {r['at 0.5']:.4f} | {r['threshold']:.3f} "
              f"| {r['calibrated']:.4f} | {r['k']} | {r['k-NN']:.4f} |")
    failed = False
    for name, target in TARGETS.items():
        worst = min(r[name] for r in rows)
        failed |= worst < target
        print(f"CNN {name} >= {target} on every seed (worst {worst:.4f}): "
              f"{'PASS' if worst >= target else 'FAIL'}")
    slowest = max(r["seconds"] for r in rows)
    failed |= slowest > CNN_SECONDS_TARGET
    print(f"CNN trained in <= {CNN_SECONDS_TARGET} s on every seed (slowest {slowest:.0f} s): "
          f"{'PASS' if slowest <= CNN_SECONDS_TARGET else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main([int(s) for s in sys.argv[1:]] or [0, 1, 2]))
