"""How fast can pairs be fed to training? One epoch of the blog's recipe, three ways, side by side.

    .venv/bin/python benchmarks/pair_pipeline.py        (part of make bench, about 2 minutes)

The same model (the blog's MLP, RMSprop, batch 128) trains on 60,000 pairs per epoch fed by:
1. in-memory float32 arrays of all the pairs, built before training (the blog's way; 377 MB);
2. `PairStream`, a `keras.utils.PyDataset` that builds each batch in Python;
3. `pair_dataset`, the `tf.data` pipeline `train` uses (fresh pairs every epoch, uint8 images).
Each runs 4 epochs, in turn, in this one process; the median of epochs 2-4 is reported (the
first includes tracing). Target: `pair_dataset` no slower than the in-memory arrays (ratio at
most 1.05, printed as PASS / FAIL). Results: benchmarks/results/pair_pipeline.json.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from measure import EpochSeconds, save_results  # noqa: E402, I001  (it quiets TensorFlow first)

import siamese_lib as sl  # noqa: E402
from siamese_lib.pairs import steps_per_epoch  # noqa: E402
import keras  # noqa: E402

EPOCHS = 4
PAIRS = 60_000
TARGET_RATIO = 1.05
RESULTS = Path(__file__).resolve().parent / "results" / "pair_pipeline.json"


def seconds_per_epoch(fit):
    """Median of epochs 2..EPOCHS of a fresh blog model trained by `fit(model, callback)`."""
    sl.seed_everything(0)
    model = sl.build_siamese("mlp")
    model.compile(optimizer=keras.optimizers.RMSprop(), loss=sl.ContrastiveLoss(),
                  metrics=[sl.PairAccuracy()])
    timer = EpochSeconds()
    fit(model, timer)
    return timer.median_seconds()


def main():
    (x, y), _ = sl.load_mnist()
    a, b, labels = sl.make_pairs(x, y, PAIRS, seed=0)
    a, b = sl.to_model_input(a), sl.to_model_input(b)  # float32, as the blog's arrays
    rows = {
        "in-memory float32 arrays (the blog's way)": seconds_per_epoch(
            lambda model, timer: model.fit([a, b], labels, batch_size=128, epochs=EPOCHS,
                                           verbose=0, callbacks=[timer])),
        "PairStream (keras.utils.PyDataset)": seconds_per_epoch(
            lambda model, timer: model.fit(sl.PairStream(x, y, pairs_per_epoch=PAIRS),
                                           epochs=EPOCHS, verbose=0, callbacks=[timer])),
        "pair_dataset (tf.data, what train uses)": seconds_per_epoch(
            lambda model, timer: model.fit(
                sl.pair_dataset(x, y, epochs=EPOCHS, pairs_per_epoch=PAIRS),
                steps_per_epoch=steps_per_epoch(PAIRS, 128), epochs=EPOCHS, verbose=0,
                shuffle=False,
                callbacks=[timer])),
    }
    base = rows["in-memory float32 arrays (the blog's way)"]
    print(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores, one epoch of "
          f"the blog's recipe ({PAIRS:,} pairs, batch 128), median of epochs 2-{EPOCHS}:\n")
    print("| pairs fed by | s / epoch | ratio to in-memory arrays |\n| --- | --- | --- |")
    for name, seconds in rows.items():
        print(f"| {name} | {seconds:.2f} | {seconds / base:.2f}x |")
    ratio = rows["pair_dataset (tf.data, what train uses)"] / base
    ok = ratio <= TARGET_RATIO
    print(f"\npair_dataset at most {TARGET_RATIO}x the in-memory arrays: "
          f"{'PASS' if ok else 'FAIL'} ({ratio:.2f}x)")
    save_results(RESULTS, {"date": time.strftime("%Y-%m-%d"), "epochs": EPOCHS,
                           "pairs_per_epoch": PAIRS, "seconds_per_epoch": rows,
                           "ratio_pair_dataset_to_arrays": ratio})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
