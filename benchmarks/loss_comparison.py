"""Which loss generalises better to classes never seen in training: contrastive or triplet?

    .venv/bin/python benchmarks/loss_comparison.py            # 3 seeds, about 12 minutes
    .venv/bin/python benchmarks/loss_comparison.py --save     # also write results/ for notebook 07

Both losses train the same network on the same kind of batches of classes, for about the same
time; only the loss differs (`BatchContrastiveLoss`, margin 1, against `TripletLoss` with
semi-hard negatives, margin 0.5). A triplet step costs about 1.3-1.4 times a contrastive step
(measured here), so the contrastive loss gets more epochs: 7 against 5 on digits, 6 against 5
on Omniglot. Two tests of classes never seen:
- held-out digits: the series' CNN, trained on the digits 0-6 of the first 55,000 training
  images (batches of 7 digits x 18 images, 100 batches an epoch); scored by
  3-way one-shot accuracy on the test digits 7, 8, 9 (1,000 episodes) and the ROC AUC of
  10,000 test pairs of 7, 8, 9;
- Omniglot: the Omniglot recipe (Conv-4) with a 5- or 6-epoch schedule instead of 20 (a short
  budget), trained on the 8 background alphabets; scored on the 20 official runs.
This is a report after the fact: the recipe's loss was chosen on validation alphabets
(benchmarks/omniglot_choices.py), never on these test runs.
Prints a markdown table: mean and spread (min-max) over the seeds, and seconds per run.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

import siamese_lib as sl
from siamese_lib import omniglot, recipes

sys.path.insert(0, os.path.dirname(__file__))
from measure import save_results, seed_arguments, spread  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "loss_comparison.json"
SEEN, UNSEEN = [0, 1, 2, 3, 4, 5, 6], [7, 8, 9]
DIGIT_BATCHES = 100
DIGIT_EPOCHS = {"contrastive": 7, "triplet": 5}  # about the same seconds for both losses
OMNIGLOT_EPOCHS = {"contrastive": 6, "triplet": 5}


def digits_run(loss_name, seed, data):
    """Train on digits 0-6 with this loss; score one-shot and pairs on unseen 7-9."""
    (x_train, y_train), (x_test, y_test) = data
    seen = np.isin(y_train, SEEN)
    start = time.perf_counter()
    sl.seed_everything(seed)
    base = sl.build_base_network("cnn")
    batches = sl.ClassBatches(x_train[seen], y_train[seen], classes_per_batch=7,
                              images_per_class=18, batches_per_epoch=DIGIT_BATCHES, seed=seed)
    loss = (sl.TripletLoss(recipes.MARGINS["triplet"]) if loss_name == "triplet"
            else sl.BatchContrastiveLoss(recipes.MARGINS["contrastive"]))
    sl.train_embedding(base, batches, loss=loss, epochs=DIGIT_EPOCHS[loss_name], seed=seed,
                       verbose=0)
    seconds = time.perf_counter() - start
    unseen = np.isin(y_test, UNSEEN)
    episodes = sl.make_episodes(x_test[unseen], y_test[unseen], n_way=3, n_episodes=1000,
                                seed=0)
    accuracy, _ = sl.one_shot_accuracy(episodes, sl.embedding_distances(base))
    pairs = sl.evaluate_pairs(sl.build_siamese(base), x_test[unseen], y_test[unseen])
    fpr, tpr, _ = sl.roc_curve(labels=pairs.labels, distances=pairs.distances)
    return {"one_shot": accuracy, "auc": sl.auc(fpr, tpr), "seconds": seconds}


def omniglot_run(loss_name, seed, background, runs):
    start = time.perf_counter()
    model, _ = recipes.train_omniglot(background, loss=loss_name, epochs=OMNIGLOT_EPOCHS[loss_name],
                                      seed=seed, verbose=0)
    seconds = time.perf_counter() - start
    accuracy, _ = sl.one_shot_accuracy(runs, sl.embedding_distances(model.base_network))
    return {"one_shot": accuracy, "seconds": seconds}


def table(results):
    lines = ["| loss | unseen digits: 3-way one-shot | unseen digits: pair AUC | s per digit run "
             "| Omniglot: 20 official runs | s per Omniglot run |", "|---|---|---|---|---|---|"]
    # seconds include building the network and the batches, for both tests
    for loss_name, rows in results.items():
        digits, omni = rows["digits"], rows["omniglot"]
        lines.append(
            f"| {loss_name} | {spread([r['one_shot'] for r in digits])} "
            f"| {spread([r['auc'] for r in digits])} "
            f"| {np.mean([r['seconds'] for r in digits]):.0f} "
            f"| {spread([r['one_shot'] for r in omni])} "
            f"| {np.mean([r['seconds'] for r in omni]):.0f} |")
    return "\n".join(lines)


def main():
    args = seed_arguments(__doc__.splitlines()[0], RESULTS)
    (x_all, y_all), test = sl.load_mnist()
    data = ((x_all[:55_000], y_all[:55_000]), test)
    background = omniglot.load_background(size=recipes.OMNIGLOT_SIZE)
    runs = omniglot.load_one_shot_runs(size=recipes.OMNIGLOT_SIZE)
    results = {}
    for loss_name in ("contrastive", "triplet"):
        results[loss_name] = {
            "digits": [digits_run(loss_name, seed, data) for seed in args.seeds],
            "omniglot": [omniglot_run(loss_name, seed, background, runs) for seed in args.seeds],
        }
        print(f"{loss_name}: done", flush=True)
    measured = time.strftime("%Y-%m-%d")
    print(f"\nMeasured {measured}, seeds {args.seeds}, mean (min-max):\n")
    print(table(results))
    if args.save:
        save_results(RESULTS, {"measured": measured, "seeds": args.seeds,
                               "epochs": {"digits": DIGIT_EPOCHS, "omniglot": OMNIGLOT_EPOCHS},
                               "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
