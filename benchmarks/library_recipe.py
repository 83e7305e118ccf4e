"""A recipe of siamese_lib.recipes, trained and measured: `library_recipe.py blog|cnn [epochs]`.

Pairs are drawn inside training, a batch at a time, fresh every epoch. Run through bench.py,
which measures it beside the blog's own script. Prints one JSON line.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from measure import EpochTimer, median_ms, one_pair, result_row  # noqa: E402

import siamese_lib as sl  # noqa: E402
from siamese_lib import recipes  # noqa: E402
from siamese_lib.widgets import compare_digits  # noqa: E402


def main(recipe, epochs):
    start = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = sl.load_mnist()
    prep_s = time.perf_counter() - start  # pairs are drawn inside training, a batch at a time
    timer = EpochTimer(x_test, y_test)
    model, history = recipes.train_recipe(recipe, x_train, y_train, epochs=epochs, verbose=0,
                                          callbacks=[timer])
    a, b = one_pair(x_test)  # the widget's way: the model called directly
    compare_ms = median_ms(lambda: compare_digits(model, a[0], b[0]))
    return result_row(prep_s, timer, history, "pair_accuracy", model, x_test, y_test,
                      compare_ms)


if __name__ == "__main__":
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else None
    print(json.dumps(main(sys.argv[1], epochs)))
