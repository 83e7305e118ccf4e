"""Does distorting the CNN recipe's training images make it read real handwriting better,
without losing MNIST? `robust_cnn.py [SEED ...] [--save]` (part of make bench: seeds 0 1 2,
about 50 minutes on 2 CPU cores).

For each seed, the CNN recipe trains twice on the first 55,000 training images: with half of
its training images distorted (`augment=True`, the recipe's default: `siamese_lib.augmentation`)
and without. Seed 0 with distortions is the shipped CNN's run (`make models`). The other 5,000
choose each model's threshold and the k of k-NN. Both are judged on the test set as it is (the
CNN's targets: pair accuracy 0.993 at 0.5, 0.995 at the calibrated threshold, k-NN 0.993; and
training in at most 300 s) and on variations of it (`siamese_lib.variations`: thicker and
thinner strokes, rotated, sheared, blurred, seen at 8x8): pair accuracy at the calibrated
threshold on the 10,000 seeded test pairs, both images varied, and k-NN digit accuracy against
the training images. The same table on the validation images is printed first. It prints
PASS or FAIL for every target on every seed. `--save` writes results/robust_cnn.json
(notebook 06 and the README show it).
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

import siamese_lib as sl
from siamese_lib import recipes, variations
from siamese_lib.embeddings import embed
from siamese_lib.pretrained import VALIDATION_SIZE

sys.path.insert(0, os.path.dirname(__file__))
from bench import CNN_SECONDS_TARGET  # noqa: E402
from measure import save_results, seed_arguments, spread  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "robust_cnn.json"
RECIPES = {"CNN, no distortions": False, "CNN, distorted training images": True}
TARGETS = {"at 0.5": 0.993, "calibrated": 0.995, "k-NN": 0.993}


def varied(images: np.ndarray) -> dict[str, np.ndarray]:
    """Every variation of `images` (uint8 (N, 28, 28)), by name."""
    return {name: np.stack([make(d) for d in images]).astype(np.uint8)
            for name, make in variations.DIGIT_VARIATIONS.items()}


def judge(model, threshold, k, index, index_labels, images, labels):
    """Pair accuracy at `threshold` and k-NN digit accuracy of every variation of `images`."""
    scores = {}
    for name, x in varied(images).items():
        pairs = sl.evaluate_pairs(model, x, labels, threshold=threshold, seed=1)
        predicted = sl.knn_classify(embed(model, x), references=index,
                                    reference_labels=index_labels, k=k)
        scores[name] = {"pairs": pairs.accuracy, "k-NN": float(np.mean(predicted == labels))}
    return scores


def measure(seed, augment, x_all, y_all, x_test, y_test):
    """Train one model and return its row: seconds, MNIST targets, variation scores."""
    x_train, y_train = x_all[:-VALIDATION_SIZE], y_all[:-VALIDATION_SIZE]
    x_val, y_val = x_all[-VALIDATION_SIZE:], y_all[-VALIDATION_SIZE:]
    start = time.perf_counter()
    model, _ = recipes.train_recipe("cnn", x_train, y_train, seed=seed, verbose=0,
                                    augment=augment)
    seconds = time.perf_counter() - start
    threshold, _ = model.calibrate(x_val, y_val, seed=2)
    train_index = embed(model, x_train)
    k, _ = sl.choose_k(embed(model, x_val), query_labels=y_val, references=train_index,
                       reference_labels=y_train)
    full_index = np.concatenate([train_index, embed(model, x_val)])
    predicted = sl.knn_classify(embed(model, x_test), references=full_index,
                                reference_labels=y_all, k=k)
    return {
        "seed": seed, "augment": augment, "seconds": seconds, "threshold": threshold, "k": k,
        "at 0.5": sl.evaluate_pairs(model, x_test, y_test, seed=1).accuracy,
        "calibrated": sl.evaluate_pairs(model, x_test, y_test, threshold=threshold,
                                        seed=1).accuracy,
        "k-NN": float(np.mean(predicted == y_test)),
        "validation": judge(model, threshold, k, train_index, y_train, x_val, y_val),
        "test": judge(model, threshold, k, full_index, y_all, x_test, y_test),
    }


def table(rows, split):
    """Markdown: one line per variation, pair and k-NN accuracy per recipe (mean and range)."""
    names = list(variations.DIGIT_VARIATIONS)
    lines = ["| " + split + " images | " + " | ".join(
        f"{recipe}: pairs | k-NN" for recipe in RECIPES) + " |",
        "|---|" + "---|---|" * len(RECIPES)]
    for name in names:
        cells = []
        for augment in RECIPES.values():
            mine = [r[split][name] for r in rows if r["augment"] == augment]
            cells += [spread([m["pairs"] for m in mine], 4), spread([m["k-NN"] for m in mine], 4)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    arguments = seed_arguments(__doc__.splitlines()[0], RESULTS)
    (x_all, y_all), (x_test, y_test) = sl.load_mnist()
    rows = [measure(seed, augment, x_all, y_all, x_test, y_test)
            for seed in arguments.seeds for augment in RECIPES.values()]
    print(table(rows, "validation"), "\n")
    print(table(rows, "test"), "\n")
    failed = False
    for name, target in TARGETS.items():
        worst = min(r[name] for r in rows if r["augment"])
        failed |= worst < target
        print(f"distorted CNN, MNIST test {name} >= {target} on every seed (worst "
              f"{worst:.4f}): {'PASS' if worst >= target else 'FAIL'}")
    slowest = max(r["seconds"] for r in rows if r["augment"])
    failed |= slowest > CNN_SECONDS_TARGET
    print(f"distorted CNN trained in <= {CNN_SECONDS_TARGET} s on every seed (slowest "
          f"{slowest:.0f} s): {'PASS' if slowest <= CNN_SECONDS_TARGET else 'FAIL'}")
    for augment, recipe in ((a, r) for r, a in RECIPES.items()):
        mine = [r for r in rows if r["augment"] == augment]
        print(f"{recipe}: training {spread([r['seconds'] for r in mine], 0)} s, at 0.5 "
              f"{spread([r['at 0.5'] for r in mine], 4)}, calibrated "
              f"{spread([r['calibrated'] for r in mine], 4)}, k-NN "
              f"{spread([r['k-NN'] for r in mine], 4)}")
    if arguments.save:
        save_results(RESULTS, {"measured": time.strftime("%Y-%m-%d"), "recipes": RECIPES,
                               "rows": rows})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
