"""How the Omniglot recipe was chosen: each step measured on validation alphabets only.

    .venv/bin/python benchmarks/omniglot_choices.py           # seed 0, about 14 minutes
    .venv/bin/python benchmarks/omniglot_choices.py --save    # also write results/ for notebook 07

Two of the 8 background alphabets (`recipes.OMNIGLOT_VALIDATION_ALPHABETS`) are held out; every
step trains on the other 6 and is scored on 300 random 20-way one-shot episodes of the held-out
ones, built like the official runs (20 characters of one alphabet; training images by one
drawer, test images by another). The 20 official runs are never looked at here. Each row
changes one thing from the last row kept above it; a row marked "(tried)" is judged by a
later row, and one marked "(tried, not kept)" is not part of the recipe. Accuracies carry
their 95% interval over the episodes. Prints a markdown table.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

import siamese_lib as sl
from siamese_lib import omniglot, recipes

sys.path.insert(0, os.path.dirname(__file__))
from measure import save_results  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "omniglot_choices.json"
SHORT = 5  # epochs of 100 batches for the quick rows; the last row is the full recipe
STEPS = [  # (what changes, train_omniglot arguments); None: pairs, as in notebook 06
    ("notebook 06's CNN recipe: random pairs, contrastive loss (10 epochs x 30,000 pairs)", None),
    ("batches of 32 characters x 4, every pair in a batch, contrastive loss (the CNN)",
     {"loss": "contrastive", "base": "cnn", "rotate_classes": False, "augment": False,
      "epochs": SHORT}),
    ("... semi-hard triplet loss instead", {"loss": "triplet", "base": "cnn",
                                            "rotate_classes": False, "augment": False,
                                            "epochs": SHORT}),
    ("... each character turned by 90, 180, 270 degrees as 3 new characters",
     {"base": "cnn", "augment": False, "epochs": SHORT}),
    ("... Conv-4 (batch normalisation) instead of the CNN", {"augment": False, "epochs": SHORT}),
    ("(tried) ... random affine distortions of every image", {"epochs": SHORT}),
    ("(tried, not kept) ... each batch from one alphabet (batches shrink to its size, at most "
     "32 characters)", {"augment": False, "same_group": True, "epochs": SHORT}),
    ("... 20 epochs instead of 5, no distortions", {"augment": False}),
    ("... 20 epochs instead of 5, with distortions: the shipped recipe", {}),
]


def pairs_run(train, seed):
    """Notebook 06's recipe, on Omniglot characters instead of digits (as it was measured:
    without the digit distortions the MNIST recipe now has)."""
    model, _ = recipes.train_recipe("cnn", train.images, train.characters, epochs=10,
                                    pairs_per_epoch=30_000, seed=seed, verbose=0,
                                    augment=False)
    return model.base_network


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", action="store_true", help=f"write {RESULTS.name}")
    args = parser.parse_args()
    background = omniglot.load_background(size=recipes.OMNIGLOT_SIZE)
    held_out = np.isin(background.alphabets,
                       [background.alphabet_names.index(name)
                        for name in recipes.OMNIGLOT_VALIDATION_ALPHABETS])
    train, validation = background.subset(~held_out), background.subset(held_out)
    episodes = sl.make_episodes(validation.images, validation.characters, n_way=20,
                                n_episodes=300, seed=123, groups=validation.alphabets,
                                drawers=validation.drawers)
    pixels = sl.mean_with_interval(sl.one_shot_accuracy(episodes, sl.pixel_distances)[1])
    rows = [("raw pixels (no training)", *pixels, 0.0)]
    for name, arguments in STEPS:
        start = time.perf_counter()
        if arguments is None:
            base = pairs_run(train, args.seed)
        else:
            model, _ = recipes.train_omniglot(train, seed=args.seed, verbose=0, **arguments)
            base = model.base_network
        seconds = time.perf_counter() - start
        _, per_episode = sl.one_shot_accuracy(episodes, sl.embedding_distances(base))
        accuracy, half_width = sl.mean_with_interval(per_episode)
        rows.append((name, accuracy, half_width, seconds))
        print(f"{accuracy:.4f} ± {half_width:.4f} {seconds:5.0f} s  {name}", flush=True)
    measured = time.strftime("%Y-%m-%d")
    print(f"\nMeasured {measured}, seed {args.seed}; validation alphabets "
          f"{', '.join(recipes.OMNIGLOT_VALIDATION_ALPHABETS)} (300 episodes, 20-way):\n")
    print("| step | validation one-shot accuracy (95% interval) | training (s) |\n|---|---|---|")
    for name, accuracy, half_width, seconds in rows:
        print(f"| {name} | {accuracy:.3f} ± {half_width:.3f} | {seconds:.0f} |")
    if args.save:
        save_results(RESULTS, {"measured": measured, "seed": args.seed, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
